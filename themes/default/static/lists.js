// Sorting and filtering a list of papers in the reader's browser, and a
// button on each paper to copy its BibTeX.
//
// Progressive enhancement: the static pages are complete without this
// script, so it adds its controls itself. A sort or filter acts on the
// whole list, not one page of it: the list's data file (`data-list`, see
// src/produce/render/lists.rs for its format) is fetched when the reader
// first reaches for the controls, or at once when the address asks for a
// sort or filter. The state lives in the query string (`?sort=title&q=…`),
// so it can be shared and the back button undoes it. Everything from the
// data file reaches the page as text (textContent, attribute values),
// never as markup.
(() => {
  "use strict";
  const VERSION = 1;
  const list = document.querySelector("[data-list]");
  const KEYS = ["sort", "q", "verdict", "status", "theme", "tag", "year", "page"];
  const SORTS = [
    ["", "Newest added"],
    ["added-old", "Oldest added"],
    ["published", "Newest published"],
    ["title", "Title"],
    ["stars", "Most stars"],
    ["upvotes", "Most upvotes"],
  ];
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December"];

  const el = (tag, props, ...children) => {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  };

  /** `7 May 2025` from `2025-05-07`, as the pages show dates. */
  const showDate = (iso) => {
    const [y, m, d] = String(iso).split("-").map(Number);
    return d && m ? `${d} ${MONTHS[m - 1] || ""} ${y}` : String(iso);
  };

  // ---------- Copying a paper's BibTeX ----------

  // The entry is on the paper's own page (a file of it alone would double
  // the files of a big digest), so a click fetches that page and copies
  // its #bibtex. Safari wants the clipboard written within the click, so
  // the text is handed over as a promise where the browser allows it.
  const copyStatus = el("p", { className: "visually-hidden" });
  copyStatus.setAttribute("role", "status");

  async function bibtexOf(url) {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const entry = page.getElementById("bibtex");
    if (!entry) throw new Error(`${url}: no BibTeX`);
    return entry.textContent;
  }

  function copyButton(url, title) {
    const button = el("button", { type: "button", className: "copy-bib", textContent: "BibTeX" });
    button.setAttribute("aria-label", `Copy the BibTeX of ${title}`);
    button.addEventListener("click", async () => {
      const text = bibtexOf(url);
      try {
        if (window.ClipboardItem && navigator.clipboard.write) {
          const blob = text.then((t) => new Blob([t], { type: "text/plain" }));
          await navigator.clipboard.write([new ClipboardItem({ "text/plain": blob })]);
        } else {
          await navigator.clipboard.writeText(await text);
        }
        button.textContent = "Copied";
        copyStatus.textContent = `Copied the BibTeX of ${title}.`;
      } catch {
        text.catch(() => {});
        button.textContent = "BibTeX";
        copyStatus.textContent = "Could not copy; the BibTeX is on the paper’s page.";
      }
    });
    return button;
  }

  /** Adds a copy button to a card or row whose title links `a`. */
  function addCopy(a, where) {
    if (!navigator.clipboard || !a) return;
    // Before the excerpt, which opens onto a line of its own.
    const excerpt = where.querySelector(":scope > details");
    const button = copyButton(a.href, a.textContent);
    if (excerpt) excerpt.before(button);
    else where.append(" ", button);
  }

  if (navigator.clipboard) {
    document.body.append(copyStatus);
    for (const card of document.querySelectorAll(".card")) {
      const more = card.querySelector(".card-more");
      if (more) addCopy(card.querySelector(".card-title a"), more);
    }
    for (const row of document.querySelectorAll(".paper-rows > li")) {
      const meta = row.querySelector(".meta");
      if (meta) addCopy(row.querySelector(":scope > a"), meta);
    }
  }

  if (!list || !window.URLSearchParams || !window.history.pushState) return;

  // ---------- State in the address ----------

  const stateOf = (search) => {
    const params = new URLSearchParams(search);
    const state = {};
    for (const key of KEYS) state[key] = (params.get(key) || "").trim();
    state.page = Math.max(1, parseInt(state.page, 10) || 1);
    return state;
  };
  const isDefault = (s) => KEYS.every((k) => (k === "page" ? s.page === 1 : !s[k]));
  const queryOf = (s) => {
    const params = new URLSearchParams();
    for (const key of KEYS) {
      if (key === "page" ? s.page > 1 : s[key]) params.set(key, s[key]);
    }
    const text = params.toString();
    return text ? `?${text}` : location.pathname;
  };

  // ---------- The controls ----------

  const statics = [list];
  for (let next = list.nextElementSibling; next; next = next.nextElementSibling) {
    if (next.matches(".pager, .more")) statics.push(next);
  }
  const select = (name, label, options) => {
    const field = el("select", { name, id: `list-${name}` });
    for (const [value, text] of options) field.append(el("option", { value, textContent: text }));
    return el("span", { className: "list-field" },
      el("label", { htmlFor: field.id, textContent: label }), field);
  };
  const text = el("input", { type: "search", name: "q", id: "list-q", autocomplete: "off" });
  text.setAttribute("enterkeyhint", "search");
  const form = el("form", { className: "list-form" },
    select("sort", "Sort", SORTS),
    el("span", { className: "list-field" },
      el("label", { htmlFor: "list-q", textContent: "Words" }), text),
    select("verdict", "Verdict", [["", "Any"]]),
    select("status", "Status", [["", "Any"]]),
    select("theme", "Theme", [["", "Any"]]),
    select("tag", "Tag", [["", "Any"]]),
    select("year", "Year", [["", "Any"]]),
    el("button", { type: "reset", textContent: "Clear" }));
  form.setAttribute("aria-label", "Sort and filter the whole list");
  const controls = el("details", { className: "list-controls" },
    el("summary", { textContent: "Sort and filter" }), form);
  const status = el("p", { className: "list-status" });
  status.setAttribute("role", "status");
  const results = el("ul", { className: "paper-rows list-results", hidden: true });
  const pager = el("nav", { className: "pager", hidden: true });
  pager.setAttribute("aria-label", "Pages of the sorted list");
  list.before(controls, status);
  statics[statics.length - 1].after(results, pager);

  // Sorts that need a number only show when some paper has it.
  const field = (name) => form.elements.namedItem(name);
  const sortOption = (value) => field("sort").querySelector(`option[value="${value}"]`);
  for (const value of ["stars", "upvotes"]) sortOption(value).hidden = true;
  // The filters' choices come with the data.
  for (const name of ["verdict", "status", "theme", "tag", "year"]) {
    field(name).parentElement.hidden = true;
  }

  // ---------- The data ----------

  let data = null;
  let loading = null;
  let pageSize = 50;

  async function readJson(response) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    // A host may already have decoded it (Content-Encoding): look.
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
      return JSON.parse(await new Response(stream).text());
    }
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  const str = (v) => (typeof v === "string" ? v : "");
  const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  const fold = (s) => s.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();

  /** The data file, checked and turned into one object per paper. */
  function load() {
    loading ??= fetch(list.dataset.list, { credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return readJson(response);
      })
      .then((file) => {
        if (!file || file.v !== VERSION || !Array.isArray(file.p)) throw new Error("not a list file");
        const table = (a) => (Array.isArray(a) ? a : []);
        const facets = (a) => table(a).map((f) => table(f).map(str));
        const verdicts = facets(file.verdicts);
        const statuses = facets(file.statuses);
        const themes = table(file.themes).map((t) => table(t).map(str));
        const tags = table(file.tags).map(str);
        const prefix = str(file.papers);
        pageSize = Math.max(1, num(file.size) || pageSize);
        const papers = file.p.filter(Array.isArray).map((r, order) => {
          const published = str(r[4]);
          return {
            order,
            url: prefix + encodeURIComponent(str(r[0])) + "/",
            title: str(r[1]),
            authors: str(r[2]),
            added: str(r[3]),
            published,
            year: /^\d{4}/.test(published) ? published.slice(0, 4) : "",
            verdict: verdicts[num(r[5]) - 1] || null,
            status: statuses[num(r[6]) - 1] || null,
            themes: table(r[7]).map((t) => themes[t]).filter(Boolean),
            tags: table(r[8]).map((t) => tags[t]).filter((t) => typeof t === "string"),
            venue: str(r[9]),
            stars: num(r[10]),
            upvotes: num(r[11]),
            asOf: str(r[12]),
            words: null,
          };
        });
        fill(papers, verdicts, statuses, themes, tags);
        data = papers;
        return papers;
      })
      .catch((error) => {
        loading = null;
        throw error;
      });
    return loading;
  }

  /** The filters' choices: only what this list's papers carry. */
  function fill(papers, verdicts, statuses, themes, tags) {
    const options = (name, pairs) => {
      const box = field(name);
      for (const [value, label] of pairs) box.append(el("option", { value, textContent: label }));
      box.parentElement.hidden = pairs.length === 0;
    };
    const carried = (key) => (value) => papers.some((p) => p[key] && p[key][0] === value);
    options("verdict", verdicts.filter((v) => carried("verdict")(v[0])).map((v) => [v[0], v[1]]));
    options("status", statuses.filter((s) => carried("status")(s[0])).map((s) => [s[0], s[1]]));
    options("theme", themes.map((t) => [t[0], t[1]]));
    options("tag", tags.map((t) => [t, t]));
    const years = [...new Set(papers.map((p) => p.year).filter(Boolean))].sort().reverse();
    options("year", years.map((y) => [y, y]));
    for (const key of ["stars", "upvotes"]) sortOption(key).hidden = !papers.some((p) => p[key] !== null);
  }

  // ---------- Filtering and sorting ----------

  const collator = new Intl.Collator(document.documentElement.lang || undefined, {
    sensitivity: "base",
    numeric: true,
  });
  const byNumber = (key) => (a, b) =>
    (b[key] ?? -1) - (a[key] ?? -1) || a.order - b.order;
  const SORTERS = {
    "added-old": (a, b) => b.order - a.order,
    published: (a, b) =>
      (b.published > a.published) - (b.published < a.published) || a.order - b.order,
    title: (a, b) => collator.compare(a.title, b.title) || a.order - b.order,
    stars: byNumber("stars"),
    upvotes: byNumber("upvotes"),
  };

  function choose(papers, s) {
    const words = fold(s.q).split(/\s+/).filter(Boolean);
    const shown = papers.filter((p) => {
      if (s.verdict && (!p.verdict || p.verdict[0] !== s.verdict)) return false;
      if (s.status && (!p.status || p.status[0] !== s.status)) return false;
      if (s.theme && !p.themes.some((t) => t[0] === s.theme)) return false;
      if (s.tag && !p.tags.includes(s.tag)) return false;
      if (s.year && p.year !== s.year) return false;
      if (words.length) {
        p.words ??= fold(`${p.title} ${p.authors} ${p.venue}`);
        if (!words.every((w) => p.words.includes(w))) return false;
      }
      return true;
    });
    const sorter = SORTERS[s.sort];
    return sorter ? shown.sort(sorter) : shown;
  }

  // ---------- Showing ----------

  function row(p, s) {
    const facts = el("span", { className: "facts" });
    if (p.authors) facts.append(el("span", { className: "authors", textContent: p.authors }));
    if (p.year) {
      facts.append(el("span", { className: "published" },
        el("span", { className: "visually-hidden", textContent: "published " }), p.year));
    }
    if (p.venue) facts.append(el("span", { className: "venue", textContent: p.venue }));
    const added = el("time", { dateTime: p.added, textContent: showDate(p.added) });
    facts.append(el("span", { className: "added" }, facts.childElementCount ? "added " : "Added ", added));
    const meta = el("span", { className: "meta" }, facts);
    const badge = (facet, kind, label) => {
      const [slug, text, url] = facet;
      const a = el("a", { className: `badge badge-${kind} ${kind}-${slug}`, href: url },
        el("span", { className: "visually-hidden", textContent: `${label}: ` }), text);
      meta.append(a);
    };
    if (p.verdict && p.verdict[2]) badge(p.verdict, "verdict", "Verdict");
    if (p.status && p.status[2]) badge(p.status, "status", "Status");
    const metric = SORTERS[s.sort] && (s.sort === "stars" || s.sort === "upvotes") ? s.sort : null;
    if (metric && p[metric] !== null && p.asOf) {
      meta.append(el("span", { className: "metrics" },
        `${p[metric]} ${metric} `,
        el("span", { className: "as-of" }, "as of ",
          el("time", { dateTime: p.asOf, textContent: showDate(p.asOf) }))));
    }
    const a = el("a", { href: p.url, textContent: p.title });
    const li = el("li", {}, a, "\n", meta);
    addCopy(a, meta);
    return li;
  }

  let shownState = stateOf("");

  async function show(s) {
    shownState = s;
    controls.open ||= !isDefault(s);
    for (const key of KEYS) {
      const box = field(key);
      if (box) box.value = s[key];
    }
    if (isDefault(s)) {
      results.hidden = pager.hidden = true;
      for (const node of statics) node.hidden = false;
      status.textContent = "";
      return;
    }
    if (!data) {
      status.textContent = "Loading the whole list…";
      try {
        await load();
      } catch {
        status.textContent = "The list could not be loaded; the pages below are not sorted or filtered.";
        return;
      }
      if (shownState !== s) return;
      for (const key of KEYS) {
        const box = field(key);
        if (box) box.value = s[key];
      }
    }
    const found = choose(data, s);
    const size = pageSize;
    const pages = Math.max(1, Math.ceil(found.length / size));
    const page = Math.min(s.page, pages);
    const start = (page - 1) * size;
    results.replaceChildren(...found.slice(start, start + size).map((p) => row(p, s)));
    for (const node of statics) node.hidden = true;
    results.hidden = false;
    const total = data.length;
    status.textContent = found.length
      ? `${found.length} of ${total} paper${total === 1 ? "" : "s"}` +
        (pages > 1 ? `, ${start + 1}–${Math.min(start + size, found.length)} shown` : "") + "."
      : `None of the ${total} papers match.`;
    pager.replaceChildren();
    pager.hidden = pages < 2;
    if (pages > 1) {
      const links = el("ul");
      const link = (to, label, rel) => {
        const a = el("a", { href: queryOf({ ...s, page: to }), textContent: label, rel });
        links.append(el("li", {}, a));
      };
      if (page > 1) link(page - 1, "← Previous", "prev");
      if (page < pages) link(page + 1, "Next →", "next");
      pager.append(el("p", { className: "pager-status", textContent: `Page ${page} of ${pages}` }), links);
    }
  }

  /** Goes to state `s`: a new history entry, or `replace` the current one. */
  function go(s, replace) {
    const url = queryOf(s);
    if (url !== (location.search || location.pathname)) {
      history[replace ? "replaceState" : "pushState"](null, "", url);
    }
    show(s);
  }

  const fromForm = () => {
    const s = { page: 1 };
    for (const key of KEYS) if (key !== "page") s[key] = (field(key).value || "").trim();
    return s;
  };

  // A run of typing makes one history entry, not one per letter: the
  // first pause pushes one, later ones replace it, until the reader
  // leaves the box or changes something else.
  let typing = null;
  let typed = false;
  text.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      typing = null;
      go(fromForm(), typed);
      typed = true;
    }, 250);
  });
  form.addEventListener("change", (event) => {
    if (event.target === text) {
      typed = false;
    } else {
      typed = false;
      go(fromForm(), false);
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(typing);
    typing = null;
    go(fromForm(), false);
  });
  form.addEventListener("reset", (event) => {
    event.preventDefault();
    go(stateOf(""), false);
  });
  pager.addEventListener("click", (event) => {
    const a = event.target.closest("a");
    if (!a) return;
    event.preventDefault();
    go(stateOf(new URL(a.href).search), false);
    status.scrollIntoView({ block: "nearest" });
  });
  window.addEventListener("popstate", () => {
    clearTimeout(typing);
    typing = null;
    typed = false;
    show(stateOf(location.search));
  });

  // The data is fetched when the reader reaches for the controls.
  const warm = () => load().catch(() => {});
  controls.addEventListener("toggle", () => controls.open && warm());
  controls.addEventListener("pointerenter", warm, { once: true });
  controls.addEventListener("focusin", warm, { once: true });

  const start = stateOf(location.search);
  if (!isDefault(start)) show(start);
})();
