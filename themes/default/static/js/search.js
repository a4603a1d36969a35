// Casebook's search page: searches the static index the build writes under
// search/ (see src/search/export.rs), with no server and no other host.
//
// 1. The query is cut into terms exactly like the Rust analyzer in query
//    mode (src/search/analyzer.rs; both are checked against
//    tests/fixtures/search/tokenizer-vectors.json): width folding, lowercase
//    Latin/digit words, CJK bigrams, a lone CJK character as a unigram.
// 2. meta.json says how many shards there are; only the shards holding the
//    query's terms are fetched (term → shard by FNV-1a of its UTF-8 bytes),
//    then a common term's own file if it was paged out of its shard, and
//    positions only for words of several terms (phrases).
// 3. Each whitespace-separated word must match as a phrase (positions
//    adjacent) in some field; documents must match every word; ranking is
//    BM25 per field times the field's boost (from meta.json), summed, like
//    tantivy's scoring of the same query.
// 4. Cards (title, enterprise, summary) are fetched for the shown results
//    only, and query terms are marked in them.

const K1 = 1.2;
const B = 0.75;
const PAGE = 20;

// ------------------------------------------------------------- analyzer

/** Full-width ASCII → half-width; U+3000 → space. */
export function foldChar(c) {
  const code = c.codePointAt(0);
  if (code >= 0xff01 && code <= 0xff5e) return String.fromCodePoint(code - 0xfee0);
  if (code === 0x3000) return " ";
  return c;
}

/** CJK ideographs (and kana, 〇, 々): cut into bigrams. */
export function isIdeograph(c) {
  const x = c.codePointAt(0);
  return (
    x === 0x3005 ||
    x === 0x3007 ||
    (x >= 0x3040 && x <= 0x30ff) ||
    (x >= 0x3400 && x <= 0x4dbf) ||
    (x >= 0x4e00 && x <= 0x9fff) ||
    (x >= 0xf900 && x <= 0xfaff) ||
    (x >= 0x20000 && x <= 0x3134f)
  );
}

// Rust's char::is_alphanumeric: Alphabetic or a numeric category.
const WORD_CHAR = /^[\p{Alphabetic}\p{Nd}\p{Nl}\p{No}]$/u;

const CJK = 0;
const WORD = 1;
const SEPARATOR = 2;

function classOf(c) {
  if (isIdeograph(c)) return CJK;
  if (WORD_CHAR.test(c)) return WORD;
  return SEPARATOR;
}

/** Cut `text` into `[term, position]` pairs; `mode` is "index" or "query". */
export function analyze(text, mode) {
  const tokens = [];
  let position = 0;
  let run = [];
  let runClass = SEPARATOR;
  const flush = () => {
    if (run.length === 0) return;
    if (runClass === WORD) {
      tokens.push([run.map((c) => c.toLowerCase()).join(""), position]);
      position += 1;
    } else if (runClass === CJK) {
      const single = run.length === 1;
      run.forEach((c, i) => {
        if (mode === "index" || single) tokens.push([c, position + i]);
        if (i + 1 < run.length) tokens.push([c + run[i + 1], position + i]);
      });
      position += run.length;
    }
  };
  for (const raw of text) {
    const c = foldChar(raw);
    const cls = classOf(c);
    if (cls !== runClass) {
      flush();
      run = [];
      runClass = cls;
    }
    if (cls !== SEPARATOR) run.push(c);
  }
  flush();
  return tokens;
}

/** The query-mode tokens of each whitespace-separated word of `query`
 *  (words with nothing searchable dropped), as `casebook search` does. */
export function queryWords(query) {
  return [...query]
    .map(foldChar)
    .join("")
    .split(/\s+/u)
    .map((word) => analyze(word, "query"))
    .filter((tokens) => tokens.length > 0);
}

/** FNV-1a (32 bit) of the UTF-8 bytes of `term`. */
export function fnv1a(term) {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(term)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export function shardOf(term, shards) {
  return fnv1a(term) % Math.max(1, shards);
}

// --------------------------------------------------------------- ranking

function idf(docFreq, docCount) {
  return Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5));
}

/** A term's postings from its entry `[p, pos]` in a shard (format 2, see
 *  src/search/export.rs): `p` is flat `docDelta, field, tf` triples sorted
 *  by doc and field; `pos` (or `null` when not loaded) each posting's `tf`
 *  positions in turn, delta-encoded within the posting. Returns
 *  `[doc, field, tf, positions or null]` per posting. */
export function decode(p, pos) {
  const out = [];
  let doc = 0;
  let k = 0;
  for (let i = 0; i + 2 < p.length; i += 3) {
    doc += p[i];
    const tf = p[i + 2];
    let positions = null;
    if (pos) {
      positions = new Array(tf);
      let last = 0;
      for (let j = 0; j < tf; j++) {
        last += pos[k++];
        positions[j] = last;
      }
    }
    out.push([doc, p[i + 1], tf, positions]);
  }
  return out;
}

/** Rank documents for `words` (from queryWords) given `postings` (term →
 *  list of [doc, field, tf, positions], as from `decode`; positions are
 *  needed only for words of several terms) and `meta`. Returns Map doc →
 *  score of the documents matching every word. */
export function rank(words, postings, meta) {
  let result = null;
  for (const tokens of words) {
    const scores = new Map();
    meta.fields.forEach((field, f) => {
      // For each token: doc → its posting in field f.
      const lists = tokens.map(([term]) => {
        const byDoc = new Map();
        for (const posting of postings.get(term) || []) {
          if (posting[1] === f) byDoc.set(posting[0], posting);
        }
        return byDoc;
      });
      if (lists.some((l) => l.size === 0)) return;
      const idfSum = lists.reduce((sum, l) => sum + idf(l.size, meta.docs), 0);
      const [first, ...rest] = lists;
      const firstOffset = tokens[0][1];
      for (const [doc, posting] of first) {
        if (!rest.every((l) => l.has(doc))) continue;
        let tf = 0;
        if (tokens.length === 1) {
          tf = posting[2];
        } else {
          const sets = rest.map((l) => new Set(l.get(doc)[3]));
          for (const p of posting[3]) {
            const start = p - firstOffset;
            if (sets.every((set, i) => set.has(start + tokens[i + 1][1]))) tf += 1;
          }
        }
        if (tf === 0) continue;
        const dl = meta.lengths[doc][f];
        const norm = K1 * (1 - B + (B * dl) / field.avg);
        const score = field.boost * idfSum * (K1 + 1) * (tf / (tf + norm));
        scores.set(doc, (scores.get(doc) || 0) + score);
      }
    });
    if (result === null) {
      result = scores;
    } else {
      const next = new Map();
      for (const [doc, score] of result) {
        if (scores.has(doc)) next.set(doc, score + scores.get(doc));
      }
      result = next;
    }
  }
  return result || new Map();
}

/** Indexes into meta.doc_facets for the facet params; `null` means a param
 *  names no known term (nothing can match). */
export function facetFilter(params, meta) {
  const wanted = [];
  const lists = [
    ["area", meta.facets.area],
    ["industry", meta.facets.industry],
    ["district", meta.facets.district],
  ];
  for (const [i, [key, terms]] of lists.entries()) {
    const value = (params.get(key) || "").trim();
    if (!value) continue;
    const index = terms.findIndex((t) => t.slug === value || t.name === value);
    if (index < 0) return null;
    wanted.push([i, index]);
  }
  const year = (params.get("year") || "").trim();
  if (year) {
    const n = Number.parseInt(year, 10);
    if (!Number.isFinite(n)) return null;
    wanted.push([3, n]);
  }
  return (doc) => wanted.every(([i, value]) => meta.doc_facets[doc][i] === value);
}

// ------------------------------------------------------------- highlight

function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

/** `text` as HTML with every occurrence of the query's terms in <mark>. */
export function highlight(text, words) {
  const chars = [...text];
  const folded = chars.map((c) => {
    const f = foldChar(c);
    const lower = f.toLowerCase();
    return [...lower].length === 1 ? lower : f;
  });
  const marked = new Array(chars.length).fill(false);
  for (const tokens of words) {
    for (const [term] of tokens) {
      const t = [...term];
      for (let i = 0; i + t.length <= folded.length; i++) {
        if (t.every((c, j) => folded[i + j] === c)) t.forEach((_, j) => (marked[i + j] = true));
      }
    }
  }
  let html = "";
  let open = false;
  chars.forEach((c, i) => {
    if (marked[i] && !open) html += "<mark>";
    if (!marked[i] && open) html += "</mark>";
    open = marked[i];
    html += escapeHtml(c);
  });
  if (open) html += "</mark>";
  return html;
}

// ------------------------------------------------------------------ page

async function fetchJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${response.status} ${url}`);
  return response.json();
}

async function run() {
  const form = document.getElementById("search-form");
  const results = document.getElementById("search-results");
  const status = document.getElementById("search-status");
  if (!form || !results) return;
  const params = new URLSearchParams(window.location.search);
  const query = params.get("q") || "";
  form.elements.q.value = query;
  for (const key of ["area", "industry", "district", "year"]) {
    const select = form.elements[key];
    const value = params.get(key);
    if (select && value) {
      const option = [...select.options].find((o) => o.value === value || o.textContent === value);
      if (option) select.value = option.value;
    }
  }
  const words = queryWords(query);
  const hasFacet = ["area", "industry", "district", "year"].some((k) => (params.get(k) || "").trim());
  if (words.length === 0 && !hasFacet) {
    if (query.trim()) status.textContent = "查询里没有可搜索的文字或数字";
    results.dataset.ready = "true";
    return;
  }
  status.textContent = "正在搜索…";
  const metaUrl = new URL(form.dataset.index, window.location.href);
  const meta = await fetchJson(metaUrl);
  if (meta.version !== 2) throw new Error(`search index format ${meta.version}`);

  // Only the shards that hold the query's terms; then, for a term paged
  // out of its shard, its own file; and positions only for the terms of
  // words that must match as phrases.
  const terms = [...new Set(words.flat().map(([term]) => term))];
  const phraseTerms = new Set(words.filter((tokens) => tokens.length > 1).flat().map(([term]) => term));
  const shardIds = [...new Set(terms.map((t) => shardOf(t, meta.shards.length)))];
  const shards = await Promise.all(shardIds.map((i) => fetchJson(new URL(meta.shards[i], metaUrl))));
  const entries = new Map();
  for (const shard of shards) {
    for (const term of terms) if (Object.hasOwn(shard, term)) entries.set(term, shard[term]);
  }
  const postings = new Map();
  await Promise.all(
    [...entries].map(async ([term, value]) => {
      const [p, pos] = typeof value === "string" ? await fetchJson(new URL(value, metaUrl)) : value;
      let positions = null;
      if (phraseTerms.has(term)) positions = typeof pos === "string" ? await fetchJson(new URL(pos, metaUrl)) : pos;
      postings.set(term, decode(p, positions));
    }),
  );

  let scored;
  if (words.length > 0) {
    scored = rank(words, postings, meta);
  } else {
    scored = new Map(meta.doc_facets.map((_, doc) => [doc, 0]));
  }
  const keep = facetFilter(params, meta);
  const hits = [...scored]
    .filter(([doc]) => keep !== null && keep(doc))
    .sort((a, b) => b[1] - a[1] || a[0] - b[0]);

  status.textContent = hits.length ? `找到 ${hits.length} 个案例` : "没有找到符合条件的案例";
  results.replaceChildren();
  const list = document.createElement("ol");
  list.className = "cards search-hits";
  results.append(list);
  const cardFiles = new Map();
  const cardsOf = (file) => {
    if (!cardFiles.has(file)) cardFiles.set(file, fetchJson(new URL(meta.cards[file], metaUrl)));
    return cardFiles.get(file);
  };
  let shown = 0;
  const more = document.createElement("button");
  more.type = "button";
  more.className = "search-more";
  more.textContent = "显示更多";
  const showMore = async () => {
    const page = hits.slice(shown, shown + PAGE);
    shown += page.length;
    const cards = await Promise.all(
      page.map(async ([doc]) => (await cardsOf(Math.floor(doc / meta.cards_per_file)))[doc % meta.cards_per_file]),
    );
    page.forEach(([doc, score], i) => {
      const card = cards[i];
      const [, industry, , year] = meta.doc_facets[doc];
      const item = document.createElement("li");
      item.className = "card";
      item.dataset.id = card.id;
      item.dataset.score = score.toFixed(4);
      item.innerHTML =
        `<h2 class="card-title"><a href="${escapeHtml(card.url)}">${highlight(card.title, words)}</a></h2>` +
        `<p class="card-meta"><span>${highlight(card.enterprise, words)}</span><span>${year}年</span>` +
        `<span>${escapeHtml(meta.facets.industry[industry]?.name || "")}</span></p>` +
        `<p class="card-summary">${highlight(card.summary, words)}</p>`;
      list.append(item);
    });
    if (shown < hits.length) results.append(more);
    else more.remove();
  };
  more.addEventListener("click", () => showMore());
  await showMore();
  results.dataset.ready = "true";
}

if (typeof document !== "undefined") {
  run().catch((err) => {
    const status = document.getElementById("search-status");
    if (status) status.textContent = "搜索索引加载失败，请稍后再试";
    const results = document.getElementById("search-results");
    if (results) results.dataset.ready = "error";
    console.warn(err);
  });
}
