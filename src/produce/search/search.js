// sheaf in-browser search: reads the sharded index that `sheaf build` writes
// under <base>search/ and shows ranked results on the search page.
//
// Index format v2 (src/search/mod.rs writes it and explains the design):
//   search/index.json.gz {"v":2,"n":docs,"w":digits per doc id,"h":head size,
//                        "f":docs per fragment,"k":{prefix:starts}}:
//                        fetched first. "k": for every split prefix, the
//                        first characters of its children's files, each
//                        file holding the terms from its start to the next
//                        ({"c":"aho","co":"amr"}: files ca, ch, co (the
//                        terms "co" and a row "co*"), coa, com, cor).
//   search/t/<file>.json.gz {"v":2,"t":[[term,df,head,membership?],...]}:
//                        file = "w" + the key if it is [a-z0-9]+, else "u"
//                        + its UTF-8 bytes in hex. The own file of a split
//                        prefix k has a row "k*": every word beginning so.
//                        head: the row's best "h" docs, best first: the doc
//                        id in "w" base64url digits (most significant first),
//                        then the score in one (16 * class + strength; class
//                        3 title, 2 authors, 1 themes and tags, 0 text).
//                        membership: every doc of the row, given when there
//                        are more than "h": as below, or the path of a file.
//   search/m/<hash>.json.gz {"v":2,"m":"b" + bitmap (six docs a digit) or
//                        "g" + doc gaps (five bits a digit, lowest first,
//                        32 and up meaning "more follows")}
//   search/f/<doc/f>.json.gz {"v":2,"d":[[title,path,authors,date,
//                        [[theme,path],...],text],...]}
//
// Every file is gzipped (readJson gunzips it).
//
// Ranking (the README's rule): papers with every query word first; then by
// where each word is (title, authors, themes and tags, text), a whole word
// above a word it begins; then by BM25-like strength and rarity.
//
// Paper text is untrusted: the DOM is built with createElement and
// textContent only.
(() => {
  "use strict";

  // Must equal the Rust tokenizer's stop words (a unit test compares them).
  const STOP = "a an and are as at be but by for from has have in into is it its of on or our that the their these this to was we were which with".split(" ");

  const results = document.getElementById("search-results");
  if (!results) return;

  const VERSION = 2;
  const PAGE = 10;
  const DEBOUNCE_MS = 150;
  const SNIPPET_WORDS = 30;
  const SNIPPET_BEFORE = 10;
  // Docs per fragment file: index.json.gz says.
  let docsPerF = 8;

  const stopWords = new Set(STOP);
  const base = (() => {
    const b = results.getAttribute("data-base") || "/";
    return b.endsWith("/") ? b : b + "/";
  })();
  const form = document.getElementById("search-form");
  const input = document.getElementById("search-q");
  const status = document.getElementById("search-status");
  const originalTitle = document.title;

  // ---------- Tokens ----------

  const MARKS = /\p{M}/gu;
  // Letters are \p{Alphabetic}, as Rust's char::is_alphabetic (the index
  // side), not only \p{L}.
  const NON_WORD = /[^\p{Alphabetic}\p{N}]+/u;
  // Words for highlighting keep their combining marks (Devanagari vowel
  // signs, decomposed accents): the tokenizer drops them, it does not
  // split at them.
  const RUNS = /[\p{Alphabetic}\p{N}\p{M}]+|[^\p{Alphabetic}\p{N}\p{M}]+/gu;
  const WORD = /^[\p{Alphabetic}\p{N}\p{M}]/u;
  const WORDS = /[\p{Alphabetic}\p{N}\p{M}]+/gu;

  function fold(text) {
    return text.normalize("NFKD").replace(MARKS, "").toLowerCase();
  }

  function codePoints(text) {
    let n = 0;
    for (const _ of text) n++;
    return n;
  }

  /** The index's terms of `text`, in order, with repeats. */
  function tokenize(text) {
    return fold(text)
      .split(NON_WORD)
      .filter((t) => codePoints(t) >= 2 && !stopWords.has(t));
  }

  /**
   * How index term `t` answers query token `q`: 2 for the word itself, 1
   * for a longer word it begins or for its singular ("models" finds
   * "model", not "mode"), 0 not at all.
   */
  function kind(t, q) {
    if (t === q) return 2;
    if (t.startsWith(q)) return 1;
    if (codePoints(t) >= 3 && (q === t + "s" || q === t + "es")) return 1;
    return 0;
  }

  /** The file name of the shard of `key`. */
  function keyFile(key) {
    if (/^[a-z0-9]+$/.test(key)) return "w" + key;
    let hex = "u";
    for (const byte of new TextEncoder().encode(key)) {
      hex += byte.toString(16).padStart(2, "0");
    }
    return hex;
  }

  /**
   * The key of the shard that holds the terms beginning with `q` (see
   * index.json.gz's "k" above): down the split prefixes by `q`'s next
   * character, to the file of the last child that starts at or before it;
   * a split prefix equal to `q` has a file of its own. Null: no term
   * begins so.
   */
  function route(q, kids) {
    const chars = Array.from(q);
    let key = chars[0] || "";
    for (let i = 1; ; i++) {
      const starts = kids.get(key);
      if (starts === undefined) return null;
      if (i >= chars.length) return i >= 2 ? key : null;
      const c = chars[i].codePointAt(0);
      let start = null;
      for (const s of starts) {
        if (s.codePointAt(0) <= c) start = s;
        else break;
      }
      if (start === null) return null;
      const child = key + start;
      if (start !== chars[i] || !kids.has(child)) return child;
      key = child;
    }
  }

  /**
   * The keys of the shards that can hold the terms matching query token
   * `q`: the one of `q` itself, and those of the words it is the plural
   * of ("models" finds "model").
   */
  function shardKeys(q, kids) {
    const out = [];
    const stems = [q];
    if (q.endsWith("s")) stems.push(q.slice(0, -1));
    if (q.endsWith("es")) stems.push(q.slice(0, -2));
    for (const stem of stems) {
      if (stem !== q && codePoints(stem) < 3) continue;
      const key = route(stem, kids);
      if (key !== null && !out.includes(key)) out.push(key);
    }
    return out;
  }

  const DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const DIGIT = new Map(Array.from(DIGITS, (c, i) => [c, i]));

  function digit(text, i) {
    const v = DIGIT.get(text[i]);
    if (v === undefined) throw new Error("bad data in the search index");
    return v;
  }

  /** A row's head as a flat array [doc, score, doc, score, ...]. */
  function decodeHead(text, width) {
    const out = [];
    const step = width + 1;
    if (text.length % step !== 0) throw new Error("bad postings in the search index");
    for (let i = 0; i < text.length; i += step) {
      let doc = 0;
      for (let d = 0; d < width; d++) doc = doc * 64 + digit(text, i + d);
      out.push(doc, digit(text, i + width));
    }
    return out;
  }

  /** Calls `each(doc)` for every doc of a membership file's text. */
  function eachMember(text, each) {
    if (typeof text !== "string") throw new Error("bad membership in the search index");
    if (text[0] === "b") {
      for (let i = 1; i < text.length; i++) {
        const bits = digit(text, i);
        for (let b = 0; b < 6; b++) if (bits & (1 << b)) each((i - 1) * 6 + b);
      }
    } else if (text[0] === "g") {
      let doc = 0;
      let i = 1;
      while (i < text.length) {
        let gap = 0;
        let scale = 1;
        let v = digit(text, i++);
        while (v >= 32) {
          gap += (v - 32) * scale;
          scale *= 32;
          v = digit(text, i++);
        }
        doc += gap + v * scale;
        each(doc);
      }
    } else {
      throw new Error("bad membership in the search index");
    }
  }

  // ---------- Fetching ----------

  /** The JSON of a response, gunzipped first if it is gzip. */
  async function readJson(response) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    // A host may already have decoded it (Content-Encoding): look.
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
      return JSON.parse(await new Response(stream).text());
    }
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  // url -> { promise, settled }; a failed fetch is forgotten so it can be retried.
  const cache = new Map();

  function load(path) {
    const url = base + path;
    let entry = cache.get(url);
    if (!entry) {
      entry = { settled: false, promise: null };
      entry.promise = fetch(url, { credentials: "same-origin" })
        .then((response) => {
          if (response.status === 404) return null;
          if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
          return readJson(response);
        })
        .then((data) => {
          if (data !== null && (typeof data !== "object" || data.v !== VERSION)) {
            throw new Error(`${url}: not a version ${VERSION} search index file`);
          }
          entry.settled = true;
          return data;
        })
        .catch((error) => {
          cache.delete(url);
          throw error;
        });
      cache.set(url, entry);
    }
    return entry;
  }

  const manifest = () => load("search/index.json.gz");
  const shard = (file) => load(`search/t/${file}.json.gz`);
  const fragment = (doc) => load(`search/f/${Math.floor(doc / docsPerF)}.json.gz`);

  /** A path from the index, if it stays inside search/. */
  function indexPath(path) {
    return typeof path === "string" && /^search\/m\/[0-9a-f]+\.json\.gz$/.test(path) ? path : null;
  }

  // ---------- Ranking ----------

  /** Scores of one tier: where a word is, and whether whole. */
  const TIER = 16;
  const MAX_IDF = 12;

  /**
   * The score of a posting: its tier (2 * class, plus 1 for the whole
   * word) first, so a title word outranks any abstract mention and a whole
   * word in a field outranks a word it begins; within a tier, strength
   * times rarity (below one tier's worth).
   */
  function postingScore(score, whole, idf) {
    const tier = 2 * (score >> 4) + (whole ? 1 : 0);
    return tier * TIER + (Math.min(idf, MAX_IDF) * (score & 15)) / 15;
  }

  /**
   * What the shards say about query token `q`: its docs' scores from the
   * rows' heads, whether those are all its docs, and otherwise the
   * membership files of the rest with the highest score each can have.
   */
  function tokenState(q, shards, n, width) {
    const rows = [];
    for (const data of shards) {
      if (!data || !Array.isArray(data.t)) continue;
      for (const row of data.t) {
        const term = String(row[0]);
        let k;
        if (term.endsWith("*")) k = term.slice(0, -1) === q ? 1 : 0;
        else k = kind(term, q);
        if (k > 0) rows.push({ whole: k === 2, star: term.endsWith("*"), row });
      }
    }
    // Rarity of the token as a whole, not of each word it begins: a rare
    // "learner" must not outweigh "learning" for "lear".
    const star = rows.find((r) => r.star);
    const df = star
      ? Number(star.row[1]) || 0
      : Math.min(n, rows.reduce((sum, r) => sum + (Number(r.row[1]) || 0), 0));
    const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
    const scores = new Map();
    const members = [];
    let bound = 0;
    for (const { whole, row } of rows) {
      // Decoded once, then kept in the cached shard.
      if (!Array.isArray(row[2])) row[2] = decodeHead(String(row[2] || ""), width);
      const head = row[2];
      for (let i = 0; i + 1 < head.length; i += 2) {
        const s = postingScore(head[i + 1], whole, idf);
        const old = scores.get(head[i]);
        if (old === undefined || s > old) scores.set(head[i], s);
      }
      if (typeof row[3] === "string") {
        const last = head.length ? head[head.length - 1] : 1;
        const most = postingScore(last, whole, idf);
        const path = indexPath(row[3]);
        members.push(path ? { path, score: most } : { text: row[3], score: most });
        bound = Math.max(bound, most);
      }
    }
    let maxDf = 0;
    for (const r of rows) maxDf = Math.max(maxDf, Number(r.row[1]) || 0);
    return {
      scores,
      members,
      bound,
      // Papers with the token: exact for one row or a "q*" row, else a
      // lower bound.
      count: star || rows.length === 1 ? df : Math.max(scores.size, maxDf),
      exact: Boolean(star) || rows.length <= 1 || members.length === 0,
      full: members.length === 0,
    };
  }

  /** Fetches the membership files of `state`, once. */
  async function complete(state) {
    if (state.full) return;
    const files = await Promise.all(
      state.members.map((m) => (m.path ? load(m.path).promise : { m: m.text }))
    );
    state.memberships = files.map((data, i) => ({
      text: data ? data.m : "",
      score: state.members[i].score,
    }));
    state.full = true;
  }

  /**
   * Ranks docs for the token states: papers with every token first, then
   * (only when none has every token) those with some, each by the sum of
   * its tokens' scores. A doc known only from a membership file gets the
   * most its row's tail can score.
   */
  function rank(states, n) {
    const tables = states.map((state) => {
      const table = new Float64Array(n);
      for (const m of state.memberships || []) {
        eachMember(m.text, (doc) => {
          if (doc < n && table[doc] < m.score) table[doc] = m.score;
        });
      }
      for (const [doc, s] of state.scores) {
        if (doc < n && table[doc] < s) table[doc] = s;
      }
      return table;
    });
    const all = [];
    const some = [];
    for (let doc = 0; doc < n; doc++) {
      let count = 0;
      let total = 0;
      for (const table of tables) {
        if (table[doc] > 0) {
          count++;
          total += table[doc];
        }
      }
      if (count === tables.length) all.push([doc, total, count]);
      else if (count > 0) some.push([doc, total, count]);
    }
    const order = (a, b) => b[2] - a[2] || b[1] - a[1] || a[0] - b[0];
    if (all.length > 0 || states.length === 1) return { hits: all.sort(order), every: true };
    return { hits: some.sort(order), every: false };
  }

  // ---------- Rendering ----------

  function el(name, className, text) {
    const node = document.createElement(name);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** The query tokens `word` answers. */
  function matched(word, tokens) {
    const found = new Set();
    for (const t of tokenize(word)) {
      for (const q of tokens) if (kind(t, q) > 0) found.add(q);
    }
    return found;
  }

  /** Appends `text` to `parent`, its words that match `tokens` in <mark>. */
  function appendMarked(parent, text, tokens) {
    let plain = "";
    for (const [run] of text.matchAll(RUNS)) {
      if (WORD.test(run) && matched(run, tokens).size > 0) {
        if (plain) parent.append(plain);
        plain = "";
        parent.append(el("mark", "", run));
      } else {
        plain += run;
      }
    }
    if (plain) parent.append(plain);
  }

  /**
   * About SNIPPET_WORDS words of `text`: the window that shows the most
   * query tokens, earliest first (none: the start of the text).
   */
  function snippet(text, tokens) {
    text = String(text || "").replace(/\s+/g, " ").trim();
    const words = [];
    for (const m of text.matchAll(WORDS)) {
      words.push([m.index, m.index + m[0].length, matched(m[0], tokens)]);
    }
    if (words.length === 0) return text;
    let start = 0;
    let best = 0;
    for (let i = 0; i < words.length; i++) {
      if (words[i][2].size === 0) continue;
      const from = Math.max(0, i - SNIPPET_BEFORE);
      const seen = new Set();
      for (let j = from; j < Math.min(words.length, from + SNIPPET_WORDS); j++) {
        for (const q of words[j][2]) seen.add(q);
      }
      if (seen.size > best) {
        best = seen.size;
        start = from;
      }
    }
    const end = Math.min(words.length, start + SNIPPET_WORDS);
    start = Math.max(0, end - SNIPPET_WORDS);
    const from = start === 0 ? 0 : words[start][0];
    const to = end === words.length ? text.length : words[end - 1][1];
    // No-break spaces keep each ellipsis on the line of its word.
    return (start > 0 ? "…\u00a0" : "") + text.slice(from, to) + (end < words.length ? "\u00a0…" : "");
  }

  function pathHref(path) {
    path = String(path || "");
    // Paths are relative to the base; anything else would leave the site.
    if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(path)) return base;
    return base + path.replace(/^\/+/, "");
  }

  /** Fills `item` with the record of `doc`. */
  function fill(item, doc, record, tokens) {
    const [title, path, authors, date, themes, text] = Array.isArray(record) ? record : [];
    const article = el("article", "card search-result");
    const heading = el("h2", "card-title");
    const link = el("a");
    link.href = pathHref(path);
    appendMarked(link, String(title || path || `Paper ${doc}`), tokens);
    heading.append(link);
    article.append(heading);

    const meta = el("p", "meta");
    if (date) meta.append(el("span", "date", String(date)));
    if (authors) {
      if (date) {
        const sep = el("span", "sep", " · ");
        sep.setAttribute("aria-hidden", "true");
        meta.append(sep);
      }
      const who = el("span", "authors");
      appendMarked(who, String(authors), tokens);
      meta.append(who);
    }
    if (meta.childNodes.length) article.append(meta);

    if (text) {
      const excerpt = el("p", "excerpt snippet");
      appendMarked(excerpt, snippet(text, tokens), tokens);
      article.append(excerpt);
    }

    const list = Array.isArray(themes) ? themes.filter((t) => Array.isArray(t) && t[0]) : [];
    if (list.length) {
      // Linked, as every other list of the site links its themes.
      const line = el("p", "card-themes");
      line.append(el("span", "label", list.length > 1 ? "Themes:" : "Theme:"), " ");
      list.forEach(([name, href], i) => {
        if (i > 0) line.append(", ");
        const a = el("a");
        a.href = pathHref(href);
        appendMarked(a, String(name), tokens);
        line.append(a);
      });
      article.append(line);
    }
    item.replaceChildren(article);
    item.hidden = false;
  }

  // ---------- Running queries ----------

  let run = 0; // the latest query's number; older ones stop where they are
  let hits = [];
  let tokens = [];
  let states = [];
  let docs = 0;
  let shown = 0;
  const more = el("button", "search-more", "Show more results");
  more.type = "button";
  more.hidden = true;
  results.after(more);

  function setStatus(text) {
    if (status && status.textContent !== text) status.textContent = text;
  }

  function papers(n) {
    return n === 1 ? "1 paper" : `${n} papers`;
  }

  function fail(error, current) {
    if (current !== run) return;
    console.error(error);
    results.dataset.state = "error";
    setStatus("The search index could not be loaded. Check your connection and try again.");
  }

  /**
   * Makes `hits` hold at least `needed` results in their final order:
   * a one-word query ranks from the heads alone while the heads' results
   * score at least what any other paper can; else (or when those run out)
   * it fetches the word's membership files. Results already shown keep
   * their places.
   */
  async function ensure(needed) {
    if (states.length !== 1 || states[0].full) return;
    const state = states[0];
    const sure = hits.filter(([, s]) => s >= state.bound).length;
    if (sure >= needed) return;
    await complete(state);
    const seen = new Set(hits.slice(0, shown).map(([doc]) => doc));
    const ranked = rank(states, docs).hits.filter(([doc]) => !seen.has(doc));
    hits = hits.slice(0, shown).concat(ranked);
  }

  /** Shows results shown..shown+PAGE; resolves once they are all filled in. */
  async function showMore(current, focusFirst) {
    await ensure(shown + PAGE);
    if (current !== run) return;
    const batch = hits.slice(shown, shown + PAGE);
    shown += batch.length;
    more.hidden = shown >= hits.length && (states.length !== 1 || states[0].full);
    const done = batch.map(([doc], i) => {
      const item = el("li");
      item.hidden = true;
      item.dataset.doc = String(doc);
      results.append(item);
      return fragment(doc).promise.then((data) => {
        if (current !== run) return;
        const record = data && Array.isArray(data.d) ? data.d[doc % docsPerF] : null;
        fill(item, doc, record, tokens);
        if (focusFirst && i === 0) item.querySelector("a").focus();
      });
    });
    await Promise.all(done);
  }

  async function search(query) {
    const current = ++run;
    const started = performance.now();
    results.dataset.query = query;
    results.dataset.state = "searching";
    tokens = Array.from(new Set(tokenize(query)));
    hits = [];
    states = [];
    shown = 0;
    more.hidden = true;
    document.title = query.trim() ? `“${query.trim()}” · ${originalTitle}` : originalTitle;

    if (tokens.length === 0) {
      results.replaceChildren();
      results.dataset.ms = "0";
      results.dataset.count = "0";
      results.dataset.state = "done";
      setStatus(
        query.trim()
          ? `Nothing to search for in “${query.trim()}”: one-letter words and the most common words are left out.`
          : ""
      );
      return;
    }

    let found;
    let computing;
    try {
      let head = manifest();
      if (!head.settled) setStatus("Searching…");
      head = (await head.promise) || {};
      const n = Number(head.n) || 0;
      const width = Number(head.w) || 1;
      docsPerF = Number(head.f) || docsPerF;
      const kids = new Map(
        Object.entries(head.k && typeof head.k === "object" ? head.k : {}).map(([k, v]) => [
          k,
          Array.from(String(v)),
        ])
      );
      const entries = tokens.map((q) => shardKeys(q, kids).map((k) => shard(keyFile(k))));
      if (entries.flat().some((e) => !e.settled)) setStatus("Searching…");
      const shards = await Promise.all(entries.map((list) => Promise.all(list.map((e) => e.promise))));
      if (current !== run) return;
      const made = tokens.map((q, i) => tokenState(q, shards[i], n, width));
      // Several words: which papers have them all needs every doc of each.
      // One word: its lists in the rows cost nothing more, and make the
      // count exact.
      await Promise.all(made.filter((s) => made.length > 1 || s.members.every((m) => !m.path)).map(complete));
      if (current !== run) return;
      computing = performance.now();
      found = { states: made, n, ranked: rank(made, n) };
    } catch (error) {
      // A damaged or missing file: say so rather than search forever.
      fail(error, current);
      return;
    }
    states = found.states;
    docs = found.n;
    hits = found.ranked.hits;
    const ms = performance.now() - computing;
    results.dataset.ms = ms.toFixed(2);
    results.dataset.every = String(found.ranked.every);

    results.replaceChildren();
    const shownQuery = `“${query.trim()}”`;
    // One word ranked from its heads: the count is the index's.
    const single = states.length === 1 ? states[0] : null;
    const count = single && !single.full ? single.count : hits.length;
    const exact = !single || single.full || single.exact;
    results.dataset.count = String(count);
    if (count === 0) {
      setStatus(`No papers match ${shownQuery}.`);
    } else if (found.ranked.every) {
      const verb = count === 1 && exact ? "matches" : "match";
      setStatus(`${exact ? "" : "At least "}${papers(count)} ${verb} ${shownQuery}.`);
    } else {
      setStatus(
        `No paper matches every word of ${shownQuery}; showing ${papers(count)} that match some of them.`
      );
    }
    try {
      await showMore(current, false);
    } catch (error) {
      fail(error, current);
      return;
    }
    if (current === run) {
      results.dataset.totalMs = (performance.now() - started).toFixed(1);
      results.dataset.state = "done";
    }
  }

  function syncUrl(query) {
    const url = new URL(location.href);
    if (query) url.searchParams.set("q", query);
    else url.searchParams.delete("q");
    if (url.href !== location.href) history.replaceState(history.state, "", url.href);
  }

  let timer = 0;
  function schedule(delay) {
    clearTimeout(timer);
    const query = input ? input.value : "";
    timer = setTimeout(() => {
      syncUrl(query.trim() ? query : "");
      search(query);
    }, delay);
  }

  more.addEventListener("click", () => {
    const current = run;
    results.dataset.state = "searching";
    showMore(current, true).then(
      () => {
        if (current === run) results.dataset.state = "done";
      },
      (error) => fail(error, current)
    );
  });

  if (input) {
    input.addEventListener("input", () => schedule(DEBOUNCE_MS));
  }
  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      schedule(0);
    });
  }

  const initial = new URLSearchParams(location.search).get("q") || "";
  if (input && initial) input.value = initial;
  search(initial);
})();
