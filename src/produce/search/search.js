// sheaf in-browser search: reads the sharded index that `sheaf build` writes
// under <base>search/ and shows ranked results on the search page.
//
// Index format v1 (src/search/mod.rs writes it):
//   search/index.json      {"v":1,"n":docs,"d":64,"x":8,"split":[keys...],
//                          "keys":[keys that have a shard...]}: fetched
//                          first; "d" and "x" are the docs per chunk below.
//   search/t/<file>.json   {"v":1,"t":[[term,postings],...]}: the terms whose
//                          key is the shortest prefix of two code points or
//                          more that is not in "split"; file = "w" + the key
//                          if it is [a-z0-9]+, else "u" + its UTF-8 bytes
//                          in hex.
//                          postings: per doc (ascending), the gap to the
//                          previous doc id as base64url digits, five bits
//                          each, lowest first, 32 and up meaning "more
//                          follows"; then the score as one digit (1..63).
//                          A file not in "files": no such terms.
//   search/d/<doc/d>.json  {"v":1,"d":[[title,path,authors,date,[themes]],...]}
//   search/x/<doc/x>.json  {"v":1,"x":[abstract and notes as plain text,...]}
//
// Paper text is untrusted: the DOM is built with createElement and
// textContent only.
(() => {
  "use strict";

  // Must equal the Rust tokenizer's stop words (a unit test compares them).
  const STOP = "a an and are as at be but by for from has have in into is it its of on or our that the their these this to was we were which with".split(" ");

  const results = document.getElementById("search-results");
  if (!results) return;

  const VERSION = 1;
  const PAGE = 10;
  const DEBOUNCE_MS = 150;
  const SNIPPET_WORDS = 30;
  const SNIPPET_BEFORE = 10;
  // Docs per file of search/d/ and search/x/: META_CHUNK and TEXT_CHUNK
  // in src/search/mod.rs.
  // Docs per chunk of search/d and search/x: index.json says.
  let docsPerD = 64;
  let docsPerX = 8;

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
   * How well index term `t` answers query token `q`: 1 for the word, 0.7
   * for a longer word it begins, 0.6 for its singular ("models" finds
   * "model", not "mode").
   */
  function weight(t, q) {
    if (t === q) return 1;
    if (t.startsWith(q)) return 0.7;
    if (codePoints(t) >= 3 && (q === t + "s" || q === t + "es")) return 0.6;
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

  /** Most shards fetched for a word that is itself a split prefix. */
  const MAX_CHILDREN = 16;

  /**
   * The keys of the shards that can hold the terms matching query token
   * `q`, among `keys` (those that have a shard): the one of its key (its
   * shortest prefix of two code points or more that is not split); the
   * split prefixes that are terms `q` may extend by up to two code points
   * ("models" finds "model"); and, when `q` is itself a split prefix of
   * three or more ("tra" while typing "training"), the shards of the
   * longer keys under it, the first MAX_CHILDREN of them.
   */
  function shardKeys(q, split, keys) {
    const chars = Array.from(q);
    let n = Math.min(2, chars.length);
    while (n < chars.length && split.has(chars.slice(0, n).join(""))) n++;
    const key = chars.slice(0, n).join("");
    const out = [key];
    for (let m = Math.max(3, chars.length - 2); m < n; m++) {
      out.push(chars.slice(0, m).join(""));
    }
    if (chars.length >= 3 && split.has(key)) {
      let added = 0;
      for (const k of keys) {
        if (k !== key && k.startsWith(key)) {
          out.push(k);
          if (++added >= MAX_CHILDREN) break;
        }
      }
    }
    // Only shards that exist: a 404 is noise in the console and the logs.
    return out.filter((k) => keys.has(k));
  }

  const DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const DIGIT = new Map(Array.from(DIGITS, (c, i) => [c, i]));

  /** Postings as a flat array [doc, score, doc, score, ...]. */
  function decode(postings) {
    // Decoded before: scoreShard keeps the array in the cached shard.
    if (Array.isArray(postings)) return postings;
    const out = [];
    let doc = 0;
    let i = 0;
    const next = () => {
      const v = DIGIT.get(postings[i++]);
      if (v === undefined) throw new Error("bad postings in the search index");
      return v;
    };
    while (i < postings.length) {
      let gap = 0;
      let scale = 1;
      let v = next();
      while (v >= 32) {
        gap += (v - 32) * scale;
        scale *= 32;
        v = next();
      }
      doc += gap + v * scale;
      out.push(doc, next());
    }
    return out;
  }

  // ---------- Fetching ----------

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
          return response.json();
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

  const manifest = () => load("search/index.json");
  const shard = (file) => load(`search/t/${file}.json`);
  const docChunk = (doc) => load(`search/d/${Math.floor(doc / docsPerD)}.json`);
  const textChunk = (doc) => load(`search/x/${Math.floor(doc / docsPerX)}.json`);

  // ---------- Ranking ----------

  /** doc -> best score of query token `q` in `shards` (null: missing). */
  function scoreToken(q, shards, docs) {
    const scores = new Map();
    for (const data of shards) {
      if (data && Array.isArray(data.t)) scoreShard(q, data, docs, scores);
    }
    return scores;
  }

  function scoreShard(q, data, n, scores) {
    for (const row of data.t) {
      const w = weight(row[0], q);
      if (w === 0) continue;
      // Decoded once, then kept in the cached shard.
      const postings = (row[1] = decode(row[1]));
      const df = postings.length / 2;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (let i = 0; i + 1 < postings.length; i += 2) {
        const doc = postings[i];
        const s = idf * postings[i + 1] * w;
        const old = scores.get(doc);
        if (old === undefined || s > old) scores.set(doc, s);
      }
    }
  }

  /** [[doc, score]...] best first, and whether every token matched. */
  function rank(perToken) {
    const sorted = (map) =>
      Array.from(map).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const smallest = perToken.reduce((a, b) => (b.size < a.size ? b : a));
    const all = new Map();
    for (const doc of smallest.keys()) {
      let total = 0;
      let everywhere = true;
      for (const scores of perToken) {
        const t = scores.get(doc);
        if (t === undefined) {
          everywhere = false;
          break;
        }
        total += t;
      }
      if (everywhere) all.set(doc, total);
    }
    if (all.size > 0 || perToken.length === 1) return { hits: sorted(all), every: true };
    const any = new Map();
    for (const scores of perToken) {
      for (const [doc, s] of scores) any.set(doc, (any.get(doc) || 0) + s);
    }
    return { hits: sorted(any), every: false };
  }

  // ---------- Rendering ----------

  function el(name, className, text) {
    const node = document.createElement(name);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function matches(word, tokens) {
    for (const t of tokenize(word)) {
      for (const q of tokens) if (weight(t, q) > 0) return true;
    }
    return false;
  }

  /** Appends `text` to `parent`, its words that match `tokens` in <mark>. */
  function appendMarked(parent, text, tokens) {
    let plain = "";
    for (const [run] of text.matchAll(RUNS)) {
      if (WORD.test(run) && matches(run, tokens)) {
        if (plain) parent.append(plain);
        plain = "";
        parent.append(el("mark", "", run));
      } else {
        plain += run;
      }
    }
    if (plain) parent.append(plain);
  }

  /** About SNIPPET_WORDS words of `text` around its first matching word. */
  function snippet(text, tokens) {
    text = String(text || "").replace(/\s+/g, " ").trim();
    const words = [];
    for (const m of text.matchAll(WORDS)) {
      words.push([m.index, m.index + m[0].length, m[0]]);
    }
    if (words.length === 0) return text;
    let hit = words.findIndex((w) => matches(w[2], tokens));
    if (hit < 0) hit = 0;
    let start = Math.max(0, hit - SNIPPET_BEFORE);
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

  /** Fills `item` with the record of `doc`; its snippet follows later. */
  function fill(item, doc, record, tokens) {
    const [title, path, authors, date, themes] = Array.isArray(record) ? record : [];
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

    const excerpt = el("p", "excerpt snippet");
    excerpt.hidden = true;
    article.append(excerpt);

    const list = Array.isArray(themes) ? themes.filter(Boolean).map(String) : [];
    if (list.length) {
      const line = el("p", "card-themes");
      line.append(el("span", "label", list.length > 1 ? "Themes:" : "Theme:"), " " + list.join(", "));
      article.append(line);
    }
    item.replaceChildren(article);
    item.hidden = false;
    return excerpt;
  }

  // ---------- Running queries ----------

  let run = 0; // the latest query's number; older ones stop where they are
  let hits = [];
  let tokens = [];
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

  /** Shows results shown..shown+PAGE; resolves once they are all filled in. */
  function showMore(current, focusFirst) {
    const batch = hits.slice(shown, shown + PAGE);
    shown += batch.length;
    more.hidden = shown >= hits.length;
    const done = batch.map(([doc], i) => {
      const item = el("li");
      item.hidden = true;
      item.dataset.doc = String(doc);
      results.append(item);
      const d = docChunk(doc).promise.then((data) => {
        if (current !== run) return;
        const record = data && Array.isArray(data.d) ? data.d[doc % docsPerD] : null;
        const excerpt = fill(item, doc, record, tokens);
        if (focusFirst && i === 0) item.querySelector("a").focus();
        return excerpt;
      });
      const x = textChunk(doc).promise;
      return Promise.all([d, x]).then(([excerpt, data]) => {
        if (current !== run || !excerpt) return;
        const text = data && Array.isArray(data.x) ? data.x[doc % docsPerX] : "";
        if (!text) return;
        appendMarked(excerpt, snippet(text, tokens), tokens);
        excerpt.hidden = false;
      });
    });
    return Promise.all(done);
  }

  async function search(query) {
    const current = ++run;
    const started = performance.now();
    results.dataset.query = query;
    results.dataset.state = "searching";
    tokens = Array.from(new Set(tokenize(query)));
    hits = [];
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

    let shards;
    let docs;
    try {
      let head = manifest();
      if (!head.settled) setStatus("Searching…");
      head = (await head.promise) || {};
      docs = Number(head.n) || 0;
      docsPerD = Number(head.d) || docsPerD;
      docsPerX = Number(head.x) || docsPerX;
      const split = new Set(Array.isArray(head.split) ? head.split : []);
      const keys = new Set(Array.isArray(head.keys) ? head.keys : []);
      const entries = tokens.map((q) => shardKeys(q, split, keys).map((k) => shard(keyFile(k))));
      if (entries.flat().some((e) => !e.settled)) setStatus("Searching…");
      shards = await Promise.all(entries.map((list) => Promise.all(list.map((e) => e.promise))));
    } catch (error) {
      fail(error, current);
      return;
    }
    if (current !== run) return;

    const computing = performance.now();
    let ranked;
    try {
      ranked = rank(tokens.map((q, i) => scoreToken(q, shards[i], docs)));
    } catch (error) {
      // A damaged shard: say so rather than search forever.
      fail(error, current);
      return;
    }
    hits = ranked.hits;
    const ms = performance.now() - computing;
    results.dataset.ms = ms.toFixed(2);
    results.dataset.totalMs = (performance.now() - started).toFixed(1);
    results.dataset.count = String(hits.length);
    results.dataset.every = String(ranked.every);

    results.replaceChildren();
    const shownQuery = `“${query.trim()}”`;
    if (hits.length === 0) {
      setStatus(`No papers match ${shownQuery}.`);
    } else if (ranked.every) {
      setStatus(`${papers(hits.length)} ${hits.length === 1 ? "matches" : "match"} ${shownQuery}.`);
    } else {
      setStatus(
        `No paper matches every word of ${shownQuery}; showing ${papers(hits.length)} that match some of them.`
      );
    }
    try {
      await showMore(current, false);
    } catch (error) {
      fail(error, current);
      return;
    }
    if (current === run) results.dataset.state = "done";
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
