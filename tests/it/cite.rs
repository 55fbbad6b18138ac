//! Citation metadata, BibTeX and papers.json.

use std::path::Path;

use biblatex::ChunksExt;

use crate::common::*;
use sheaf::front::import::{import_file, ImportOptions};

/// A site with two papers imported from a recorded arXiv response (so they
/// have authors, ids and categories), plus a hostile one.
fn imported() -> TestSite {
    let site = TestSite::with_papers(&[(
        "hostile.md",
        "---\ntitle: \"A </script><b>bold</b> & {braced} 50% title\"\ndate: 2025-05-07\nauthors: [\"O'Brien & Co\", \"Zoë {Z} Ünal\"]\nabstract: |\n  Text with </script> in it.\n---\n",
    )]);
    let config = sheaf::io::load::config(site.root()).unwrap();
    let fixture = Path::new(REPO).join("tests/fixtures/import/arxiv-v1.xml");
    let opts = ImportOptions {
        date: time::macros::date!(2025 - 05 - 07),
        format: None,
        theme: None,
        skip_bad: false,
        dry_run: false,
        keep_tags: false,
    };
    import_file(&config, &fixture, &opts).unwrap();
    site.build().unwrap();
    site
}

const ODF: &str = "papers/online-difficulty-filtering-for-reasoning-oriented/";

#[test]
fn paper_pages_carry_scholar_and_schema_metadata() {
    let site = imported();
    let page = site.read(&format!("{ODF}index.html"));
    for tag in [
        r#"<meta name="citation_title" content="Online Difficulty Filtering for Reasoning Oriented Reinforcement Learning">"#,
        r#"<meta name="citation_author" content="Sanghwan Bae">"#,
        r#"<meta name="citation_author" content="Min Young Lee">"#,
        r#"<meta name="citation_publication_date" content="2025/04/04">"#,
        r#"<meta name="citation_arxiv_id" content="2504.03380">"#,
        r#"<meta name="citation_pdf_url" content="https://arxiv.org/pdf/2504.03380">"#,
        r#"<meta property="og:title" content="Online Difficulty Filtering"#,
        r#"<meta name="twitter:card" content="summary">"#,
        r#"<link rel="canonical" href="https://sheaf-digest.github.io/sheaf/papers/online-difficulty-filtering-for-reasoning-oriented/">"#,
    ] {
        assert!(page.contains(tag), "{tag} missing");
    }
    let start = page.find("<script type=\"application/ld+json\">").unwrap() + 35;
    let end = start + page[start..].find("</script>").unwrap();
    let ld: serde_json::Value = serde_json::from_str(&page[start..end]).unwrap();
    assert_eq!(ld["@type"], "ScholarlyArticle");
    assert_eq!(
        ld["headline"],
        "Online Difficulty Filtering for Reasoning Oriented Reinforcement Learning"
    );
    assert_eq!(ld["author"][0]["name"], "Sanghwan Bae");
    assert_eq!(ld["sameAs"], "https://arxiv.org/abs/2504.03380");
    assert_eq!(ld["datePublished"], "2025-04-04");
    // Each fact once: the abstract is on the page, not repeated in the
    // JSON-LD; Open Graph carries what X (Twitter) reads too; the canonical
    // link is the URL.
    assert!(
        ld.get("abstract").is_none() && ld.get("name").is_none(),
        "{ld}"
    );
    for repeat in [
        "twitter:title",
        "twitter:description",
        "og:url",
        "citation_online_date",
    ] {
        assert!(!page.contains(repeat), "{repeat} repeats another tag");
    }

    // Hostile text cannot leave the JSON-LD script or the meta attribute.
    let hostile = site.read("papers/hostile/index.html");
    let ld_start = hostile.find("application/ld+json").unwrap();
    let ld_end = ld_start + hostile[ld_start..].find("</script>").unwrap();
    assert!(
        !hostile[ld_start..ld_end].contains("</"),
        "script closed early"
    );
    assert!(
        hostile.contains(r#"<meta name="citation_author" content="O&#39;Brien &amp; Co">"#)
            || hostile.contains(r#"content="O&#x27;Brien &amp; Co""#)
    );
}

#[test]
fn bibtex_parses_back() {
    let site = imported();
    let page = site.read(&format!("{ODF}index.html"));
    let parsed = biblatex::Bibliography::parse(&page_bibtex(&page)).unwrap();
    let entry = parsed.iter().next().unwrap();
    assert_eq!(entry.key, "bae2025online");
    assert_eq!(
        entry.title().unwrap().format_verbatim(),
        "Online Difficulty Filtering for Reasoning Oriented Reinforcement Learning"
    );
    let authors: Vec<String> = entry
        .author()
        .unwrap()
        .iter()
        .map(|p| p.name.clone())
        .collect();
    assert_eq!(authors, ["Bae", "Hong", "Lee"]);
    let fields = |k: &str| {
        entry
            .get(k)
            .map(|c| c.format_verbatim())
            .unwrap_or_default()
    };
    assert_eq!(fields("eprint"), "2504.03380");
    assert_eq!(fields("archiveprefix"), "arXiv");
    assert_eq!(fields("primaryclass"), "cs.LG");
    assert_eq!(fields("doi"), "10.48550/arXiv.2504.03380");
    // The page shows the entry, and cite.js makes buttons to copy it and
    // to download it, named after the key that opens the block; there is
    // no file of each paper's entry alone.
    assert!(page.contains("id=\"bibtex\"><code>@misc{bae2025online,"));
    assert!(!site.out().join(format!("{ODF}cite.bib")).exists());

    // Hostile titles stay balanced and parse.
    let hostile =
        biblatex::Bibliography::parse(&page_bibtex(&site.read("papers/hostile/index.html")))
            .unwrap();
    assert_eq!(hostile.len(), 1);
    // The whole digest and each theme: every paper once, keys unique.
    let all = biblatex::Bibliography::parse(&site.read("papers.bib")).unwrap();
    assert_eq!(all.len(), 3);
    let theme = site.read("themes/llm-reasoning/papers.bib");
    assert!(biblatex::Bibliography::parse(&theme)
        .unwrap()
        .get("bae2025online")
        .is_some());
}

#[test]
fn bibtex_keys_are_unique_across_the_bundled_digest() {
    let site = TestSite::bundled();
    site.build().unwrap();
    let all = biblatex::Bibliography::parse(&site.read("papers.bib")).unwrap();
    assert_eq!(all.len(), 120, "120 entries, so 120 distinct keys");
}

#[test]
fn papers_json_round_trips() {
    let site = imported();
    let json: serde_json::Value = serde_json::from_str(&site.read("papers.json")).unwrap();
    let papers = json["papers"].as_array().unwrap();
    assert_eq!(papers.len(), 3);
    let odf = papers.iter().find(|p| p["arxiv"] == "2504.03380").unwrap();
    assert_eq!(
        odf["title"],
        "Online Difficulty Filtering for Reasoning Oriented Reinforcement Learning"
    );
    assert_eq!(odf["authors"][2], "Min Young Lee");
    assert_eq!(odf["categories"][0], "cs.LG");
    assert_eq!(odf["bibtex_key"], "bae2025online");
    assert!(odf["themes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["id"] == "llm-reasoning" && t["title"] == "LLM reasoning"));
    // Every entry of the digest is there with its facts as written; the
    // texts (abstract, notes) are on its page, `url`, not repeated here.
    let hostile = papers.iter().find(|p| p["slug"] == "hostile").unwrap();
    assert_eq!(
        hostile["title"],
        "A </script><b>bold</b> & {braced} 50% title"
    );
    assert_eq!(
        hostile["url"],
        "https://sheaf-digest.github.io/sheaf/papers/hostile/"
    );
    assert!(hostile.get("abstract_markdown").is_none(), "{hostile}");
    assert!(hostile.get("notes_markdown").is_none(), "{hostile}");
}

#[test]
fn the_front_page_offers_coins_for_reference_managers() {
    let site = imported();
    let index = site.read("index.html");
    let spans = index
        .matches("<span class=\"Z3988\" title=\"ctx_ver=Z39.88-2004")
        .count();
    assert_eq!(spans, 3, "one per listed paper");
    assert!(index.contains("rft_id=info%3Aarxiv%2F2504.03380"));
    // Only there: a theme's papers are saved at once from its papers.bib,
    // linked from its page (COinS were a third of every card; README,
    // "Output size").
    let theme = site.read("themes/llm-reasoning/index.html");
    assert!(!theme.contains("Z3988"));
    assert!(theme.contains("themes/llm-reasoning/papers.bib"));
}

/// The day a paper entered the digest is never its publication date, and
/// no author is invented: an entry without `published` and `authors` (as
/// the bundled digest's were, imported from a trending page) states
/// neither in any export, while one with them states exactly them.
#[test]
fn exports_state_only_what_the_entry_holds() {
    let site = TestSite::with_papers(&[
        (
            "bare.md",
            "---\ntitle: \"Layer Normalization\"\ndate: 2025-05-07\nabstract: |\n  Normalising the activities of the neurons.\n---\n",
        ),
        (
            "full.md",
            "---\ntitle: \"Deep Residual Learning\"\ndate: 2025-05-07\nauthors: [\"Kaiming He\", \"Jian Sun\"]\npublished: 2015-12-10\narxiv: \"1512.03385\"\nabstract: |\n  Deeper networks are harder to train.\n---\n",
        ),
    ]);
    site.build().unwrap();
    let ld_of = |page: &str| -> serde_json::Value {
        let start = page.find("<script type=\"application/ld+json\">").unwrap() + 35;
        let end = start + page[start..].find("</script>").unwrap();
        serde_json::from_str(&page[start..end]).unwrap()
    };
    let bib_of = |slug: &str| {
        let page = site.read(&format!("papers/{slug}/index.html"));
        let parsed = biblatex::Bibliography::parse(&page_bibtex(&page)).unwrap();
        parsed.into_iter().next().unwrap()
    };
    let papers: serde_json::Value = serde_json::from_str(&site.read("papers.json")).unwrap();
    let json_of = |slug: &str| {
        papers["papers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["slug"] == slug)
            .unwrap()
            .clone()
    };
    let index = site.read("index.html");
    let coins_of = |slug: &str| {
        // The COinS span comes just before the card's link to the paper.
        let link = index.find(&format!("papers/{slug}/\"")).unwrap();
        let span = index[..link].rfind("class=\"Z3988\" title=\"").unwrap();
        let start = span + "class=\"Z3988\" title=\"".len();
        index[start..start + index[start..].find('"').unwrap()].replace("&amp;", "&")
    };

    // Without a publication date or authors: none stated, anywhere.
    let page = site.read("papers/bare/index.html");
    assert!(!page.contains("citation_publication_date"), "Highwire date");
    assert!(
        !page.contains("citation_online_date"),
        "Highwire online date"
    );
    assert!(!page.contains("citation_author"), "Highwire author");
    assert!(!page.contains("article:published_time"), "OpenGraph date");
    let ld = ld_of(&page);
    assert!(ld.get("datePublished").is_none(), "JSON-LD date: {ld}");
    assert!(ld.get("author").is_none(), "JSON-LD author: {ld}");
    let bib = bib_of("bare");
    assert_eq!(bib.key, "layer", "no invented author or year in the key");
    for field in ["year", "month", "date", "author", "url"] {
        assert!(bib.get(field).is_none(), "BibTeX {field} stated: {bib:?}");
    }
    let coins = coins_of("bare");
    assert!(!coins.contains("rft.date"), "COinS date: {coins}");
    assert!(!coins.contains("rft.au"), "COinS author: {coins}");
    let json = json_of("bare");
    assert_eq!(json["published"], serde_json::Value::Null);
    assert_eq!(json["authors"], serde_json::json!([]));
    assert_eq!(
        json["date"], "2025-05-07",
        "papers.json's date is the day added"
    );
    assert!(
        !site.read("papers.bib").contains("2025"),
        "no year in papers.bib"
    );

    // With them: exactly what the entry holds.
    let page = site.read("papers/full/index.html");
    assert!(page.contains(r#"<meta name="citation_publication_date" content="2015/12/10">"#));
    assert!(page.contains(r#"<meta name="citation_author" content="Kaiming He">"#));
    let ld = ld_of(&page);
    assert_eq!(ld["datePublished"], "2015-12-10");
    assert_eq!(ld["author"][1]["name"], "Jian Sun");
    let bib = bib_of("full");
    assert_eq!(bib.key, "he2015deep");
    let field = |k: &str| bib.get(k).map(|c| c.format_verbatim()).unwrap_or_default();
    assert_eq!(field("year"), "2015");
    assert_eq!(field("month"), "12");
    assert_eq!(field("url"), "https://arxiv.org/abs/1512.03385");
    let coins = coins_of("full");
    assert!(coins.contains("rft.date=2015-12-10"), "{coins}");
    assert!(coins.contains("rft.au=Kaiming+He"), "{coins}");
    assert_eq!(json_of("full")["published"], "2015-12-10");

    // Cards say which date is which: the paper's year, and the day added.
    let card_start = index.find("papers/full/\"").unwrap();
    let card = &index[card_start..card_start + index[card_start..].find("</article>").unwrap()];
    assert!(card.contains("2015</span>"), "{card}");
    assert!(
        card.contains("added <time datetime=\"2025-05-07\">"),
        "{card}"
    );
}

/// The same rule over the bundled digest and a new `sheaf init` digest:
/// for every paper, each export states a date or an author only when the
/// entry (as papers.json gives it) holds one.
#[test]
fn bundled_and_init_digests_invent_no_date_or_author() {
    let bundled = TestSite::bundled();
    bundled.build().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("digest");
    sheaf::front::init::init(&dir, None, None).unwrap();
    let report = sheaf::build::build(&dir, &sheaf::build::BuildOptions::default()).unwrap();
    for out in [bundled.out(), report.output_dir.clone()] {
        let read = |rel: &str| std::fs::read_to_string(out.join(rel)).unwrap();
        let papers: serde_json::Value = serde_json::from_str(&read("papers.json")).unwrap();
        for p in papers["papers"].as_array().unwrap() {
            let slug = p["slug"].as_str().unwrap();
            let page = read(&format!("papers/{slug}/index.html"));
            let bib = page_bibtex(&page);
            if p["published"].is_null() {
                assert!(!page.contains("citation_publication_date"), "{slug}");
                assert!(!page.contains("\"datePublished\""), "{slug}");
                assert!(!bib.contains(" year "), "{slug}: {bib}");
            }
            if p["authors"].as_array().unwrap().is_empty() {
                assert!(!page.contains("citation_author"), "{slug}");
                assert!(!page.contains("\"author\""), "{slug}");
                assert!(!bib.contains(" author "), "{slug}: {bib}");
                assert!(!bib.contains("{anon"), "{slug}: {bib}");
            }
        }
    }
}

/// A BibTeX record that gives a year alone, or a year and a month, is
/// written as such (`published: 2020`, `published: 2021-07`), and every
/// export states that much and no more: no month or day the source never
/// gave. An entry written by hand with a year alone builds the same way.
#[test]
fn a_year_or_a_month_is_stated_as_such_in_every_export() {
    let site = TestSite::with_papers(&[(
        "by-hand.md",
        "---\ntitle: \"Written by Hand\"\ndate: 2025-05-07\nauthors: [\"Grace Hopper\"]\npublished: \"2019\"\nabstract: |\n  Dated by hand.\n---\n",
    )]);
    let bib = site.root().join("dates.bib");
    std::fs::write(
        &bib,
        "@misc{yearonly, title = {A Year Alone}, author = {Ada Lovelace}, year = {2020}, abstract = {Only the year.}}\n\
         @misc{yearmonth, title = {A Year and a Month}, author = {Alan Turing}, year = {2021}, month = jul, abstract = {The month too.}}\n",
    )
    .unwrap();
    let config = sheaf::io::load::config(site.root()).unwrap();
    let opts = ImportOptions {
        date: time::macros::date!(2025 - 05 - 07),
        format: None,
        theme: None,
        skip_bad: false,
        dry_run: false,
        keep_tags: false,
    };
    let report = import_file(&config, &bib, &opts).unwrap();
    assert_eq!(report.created(), 2, "{report:?}");
    let written: Vec<String> = std::fs::read_dir(site.papers())
        .unwrap()
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .collect();
    let file_of = |title: &str| {
        written
            .iter()
            .find(|t| t.contains(&format!("title: \"{title}\"")))
            .unwrap()
    };
    assert!(
        file_of("A Year Alone").contains("\npublished: 2020\n"),
        "{written:?}"
    );
    assert!(
        file_of("A Year and a Month").contains("\npublished: 2021-07\n"),
        "{written:?}"
    );
    site.build().unwrap();

    let papers: serde_json::Value = serde_json::from_str(&site.read("papers.json")).unwrap();
    let index = site.read("index.html");
    // title, ISO 8601, Highwire, the page's words, BibTeX year and month.
    for (title, iso, highwire, shown, year, month) in [
        ("A Year Alone", "2020", "2020", "2020", "2020", None),
        (
            "A Year and a Month",
            "2021-07",
            "2021/07",
            "July 2021",
            "2021",
            Some("7"),
        ),
        ("Written by Hand", "2019", "2019", "2019", "2019", None),
    ] {
        let json = papers["papers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["title"] == title)
            .unwrap();
        assert_eq!(json["published"], iso, "papers.json: {title}");
        let slug = json["slug"].as_str().unwrap();

        let page = site.read(&format!("papers/{slug}/index.html"));
        let highwire_tag =
            format!(r#"<meta name="citation_publication_date" content="{highwire}">"#);
        assert!(page.contains(&highwire_tag), "{title}: {highwire_tag}");
        let start = page.find("<script type=\"application/ld+json\">").unwrap() + 35;
        let end = start + page[start..].find("</script>").unwrap();
        let ld: serde_json::Value = serde_json::from_str(&page[start..end]).unwrap();
        assert_eq!(ld["datePublished"], iso, "JSON-LD: {title}");
        let line = format!(r#"published <time datetime="{iso}">{shown}</time>"#);
        assert!(page.contains(&line), "{title}: {line}");
        assert!(!page.contains(" January "), "{title}: no invented month");

        let parsed = biblatex::Bibliography::parse(&page_bibtex(&page)).unwrap();
        let bib = parsed.into_iter().next().unwrap();
        let field = |k: &str| bib.get(k).map(|c| c.format_verbatim());
        assert_eq!(field("year").as_deref(), Some(year), "BibTeX year: {title}");
        assert_eq!(field("month").as_deref(), month, "BibTeX month: {title}");
        assert_eq!(field("day"), None, "BibTeX day: {title}");
        assert_eq!(field("date"), None, "BibTeX date: {title}");

        // COinS: the span just before the card's link to the paper.
        let link = index.find(&format!("papers/{slug}/\"")).unwrap();
        let span = index[..link].rfind("class=\"Z3988\" title=\"").unwrap();
        let at = span + "class=\"Z3988\" title=\"".len();
        let coins = index[at..at + index[at..].find('"').unwrap()].replace("&amp;", "&");
        let dates: Vec<&str> = coins
            .split('&')
            .filter_map(|p| p.strip_prefix("rft.date="))
            .collect();
        assert_eq!(dates, [iso], "COinS: {coins}");

        // The card: the year only.
        let card = &index[link..link + index[link..].find("</article>").unwrap()];
        assert!(card.contains(&format!("{year}</span>")), "{card}");
    }
}
