// Casebook's search page: searches the static index the build writes under
// search/ (format 3, see src/search/export.rs), with no server and no other
// host, downloading about the same few kilobytes whatever the site's size.
//
// 1. The query's words are matched against the site's synonyms (the
//    meta's table: 6σ may also be 六西格玛, as src/search/synonyms.rs
//    does), then cut into terms
//    exactly like the Rust analyzer in query mode (src/search/analyzer.rs;
//    both are checked against tests/fixtures/search/tokenizer-vectors.json):
//    width folding, lowercase
//    Latin/digit words, CJK bigrams, a lone CJK character as a unigram.
// 2. The index's meta is inlined in the page. Round trip 1 fetches, in
//    parallel, only the shards holding the query's terms (term → shard by
//    FNV-1a of its UTF-8 bytes); round trip 2 the files of terms too long to
//    stay in their shard; round trip 3 the cards of the results shown.
// 3. Each whitespace-separated word must have all its terms in a document,
//    and a document must match every word and every facet. A term's impact
//    in a document is its BM25 score summed over the fields with their
//    boosts, computed at build time like `casebook search` scores it. A
//    common term brings its best-scoring documents with their impacts and
//    a bitmap of the others, which count at the term's lowest impact.
//    Ranking never loops over every document (it runs once, on a cold
//    page, before the JIT warms up): see `rank`.
// 4. Cards (title, enterprise, summary) are fetched for the shown results
//    only, and query terms are marked in them.

const FORMAT = 3;
const PAGE = 10;

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

/** Width-folded, lowercased, words joined by one space: how a synonym
 *  spelling is compared (config.rs's `normalise_spelling`). */
export function normaliseSpelling(text) {
  return [...text].map(foldChar).join("").toLowerCase().split(/\s+/u).filter(Boolean).join(" ");
}

/** How many runs of one query are searched both ways (synonyms.rs). */
const MAX_EXPANDED = 3;

/** `query` cut into slots given the meta's `synonyms` (normalised
 *  spelling → term), as src/search/synonyms.rs does (both are checked
 *  against tests/fixtures/search/synonym-vectors.json): each slot the
 *  alternatives a case may match it with. A run of whole words equal to a
 *  spelling gives `[term, run as typed]` (longest run first; after
 *  MAX_EXPANDED runs, `[term]`); any other word gives `[word]`. */
export function querySlots(query, synonyms) {
  const words = [...query].map(foldChar).join("").split(/\s+/u).filter(Boolean);
  const lower = words.map((w) => w.toLowerCase());
  const longest = Math.max(0, ...Object.keys(synonyms).map((s) => s.split(" ").length));
  const slots = [];
  let expanded = 0;
  for (let i = 0; i < words.length; ) {
    let n = Math.min(longest, words.length - i);
    while (n > 0 && !Object.hasOwn(synonyms, lower.slice(i, i + n).join(" "))) n--;
    if (n === 0) {
      slots.push([words[i]]);
      i += 1;
      continue;
    }
    const slot = [synonyms[lower.slice(i, i + n).join(" ")]];
    if (expanded < MAX_EXPANDED) {
      slot.push(words.slice(i, i + n).join(" "));
      expanded += 1;
    }
    slots.push(slot);
    i += n;
  }
  return slots;
}

/** The ways a query can be searched: every choice of one alternative per
 *  slot, each a list of words (query-mode tokens) as `rank` takes them.
 *  Alternatives with nothing searchable are dropped, then empty slots. */
export function queryVariants(query, synonyms) {
  const slots = querySlots(query, synonyms)
    .map((slot) => slot.map((alternative) => analyze(alternative, "query")).filter((t) => t.length > 0))
    .filter((slot) => slot.length > 0);
  let variants = [[]];
  for (const slot of slots) variants = variants.flatMap((words) => slot.map((tokens) => [...words, tokens]));
  return slots.length ? variants : [];
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

// --------------------------------------------------------------- postings

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
// Character code → digit value (-1: not a digit).
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i;

function digit(text, i) {
  const d = DIGIT[text.charCodeAt(i)];
  if (d === undefined || d < 0) throw new Error(`bad digit ${text[i]}`);
  return d;
}

/** The numbers of a base-32 varint string (5 bits a digit, +32: more). */
export function decodeVarints(text) {
  const out = [];
  let value = 0;
  let shift = 0;
  for (let i = 0; i < text.length; i++) {
    const d = digit(text, i);
    value += (d & 31) * 2 ** shift;
    if (d & 32) {
      shift += 5;
    } else {
      out.push(value);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

/** A posting string → Map doc → impact (docs ascending). */
export function decodePostings(text) {
  const numbers = decodeVarints(text);
  const out = new Map();
  let doc = 0;
  for (let i = 0; i + 1 < numbers.length; i += 2) {
    doc += numbers[i];
    out.set(doc, numbers[i + 1]);
  }
  return out;
}

/** The documents of a bitmap string, ascending. */
export function bitmapDocs(bits) {
  const out = [];
  for (let i = 0; i < bits.length; i++) {
    const d = digit(bits, i);
    for (let b = 0; b < 6; b++) if (d & (1 << b)) out.push(i * 6 + b);
  }
  return out;
}

/** Ascending documents from a string of deltas. */
export function docList(text) {
  const out = decodeVarints(text);
  for (let i = 1; i < out.length; i++) out[i] += out[i - 1];
  return out;
}

/** A term's data from its JSON value (a posting string, or a big term's
 *  object, see export.rs) for `docCount` documents:
 *  - `n`, how many documents hold it;
 *  - `has(doc)`, whether `doc` holds it (constant time, no pass over the
 *    documents);
 *  - `list`, its documents ascending when that list is short (a posting
 *    string, or a big term stored as its documents), else null;
 *  - `top`, Map doc → impact of the documents with their own impact (all
 *    of a posting string's), and `min`, the impact every other document
 *    holding it counts at (0, no score, for a posting string);
 *  - `bits`/`absent`: a big term's membership, as stored. */
export function termData(value, docCount) {
  if (typeof value === "string") {
    const top = decodePostings(value);
    return { n: top.size, has: (doc) => top.has(doc), list: [...top.keys()], top, min: 0 };
  }
  const top = decodePostings(value.top);
  const data = { n: value.n, top, min: value.min, list: null };
  if (value.bits !== undefined) {
    const bits = value.bits;
    data.bits = bits;
    data.has = (doc) => {
      const i = Math.floor(doc / 6);
      return i < bits.length && ((digit(bits, i) >> doc % 6) & 1) === 1;
    };
  } else if (value.docs !== undefined) {
    data.list = docList(value.docs);
    const set = new Set(data.list);
    data.has = (doc) => set.has(doc);
  } else {
    const absent = new Set(docList(value.absent));
    data.absent = absent;
    data.has = (doc) => doc < docCount && !absent.has(doc);
  }
  return data;
}

/** Stored impact → score (see export.rs: a log scale, 0 = none), as a
 *  table of every value two digits can hold. */
export function scores(meta) {
  const table = new Float64Array(1024);
  for (let q = 1; q < 1024; q++) table[q] = meta.impact_min * Math.exp((q - 1) / meta.impact_steps);
  return table;
}

// --------------------------------------------------------------- ranking

const DOC_BITS = 2 ** 21;

/** `docs` best first by `score(doc)`, ties in book order: one native sort
 *  of numbers (score to 1e-6, then document, packed into one float), each
 *  score computed once. */
function byScore(docs, score) {
  const keys = new Float64Array(docs.length);
  const top = 2 ** 31;
  for (let i = 0; i < docs.length; i++) {
    const doc = docs[i];
    keys[i] = (top - Math.min(top - 1, Math.round(score(doc) * 1e6))) * DOC_BITS + doc;
  }
  keys.sort();
  return Array.from(keys, (key) => key % DOC_BITS);
}

/** The documents matching every word of `words` (from queryWords) and
 *  every facet term of `facets` (names of terms), ranked: `{count,
 *  page(from, n), score(doc)}`, `page` giving documents best first, ties in
 *  book order. `terms` maps a term to its `termData` (absent: in no
 *  document).
 *
 *  The work is proportional to the lists the query's terms bring, never
 *  to the site's size: a search runs once on a cold page, before the JIT
 *  has warmed up, so a loop over every document would be what it costs.
 *  When some term has a short list, its documents are the candidates.
 *  When every term is big, only the documents in their top lists can
 *  score above the rest; the rest all score the same (each term's lowest
 *  impact) and follow in book order, enumerated only as far as the pages
 *  shown, and counted a digit (6 documents) at a time. */
export function rank(words, facets, terms, meta) {
  const empty = { count: 0, page: () => [], score: () => 0 };
  const wordTerms = [...new Set(words.flat().map(([term]) => term))];
  const needed = [...new Set([...wordTerms, ...facets])];
  if (needed.length === 0 || needed.some((t) => !terms.has(t))) return empty;
  const all = needed.map((t) => terms.get(t));
  const scoring = wordTerms.map((t) => terms.get(t));
  const table = scores(meta);
  // What every matching document scores; top-list entries add to it.
  const base = scoring.reduce((sum, t) => sum + table[t.min], 0);
  const score = (doc) => {
    let total = base;
    for (const t of scoring) {
      const impact = t.top.get(doc);
      if (impact !== undefined) total += table[impact] - table[t.min];
    }
    return total;
  };
  const member = (doc) => all.every((t) => t.has(doc));

  const listed = all.filter((t) => t.list).sort((a, b) => a.list.length - b.list.length);
  if (listed.length > 0) {
    const ranked = byScore(listed[0].list.filter(member), score);
    return { count: ranked.length, page: (from, n) => ranked.slice(from, from + n), score };
  }

  // Every term is big: stored as a bitmap or as the documents it misses.
  const above = new Set();
  for (const t of scoring) for (const [doc, impact] of t.top) if (impact > t.min) above.add(doc);
  const boosted = byScore([...above].filter(member), score);
  const bitmaps = all.filter((t) => t.bits !== undefined).map((t) => t.bits);
  const absent = new Set(all.flatMap((t) => (t.absent ? [...t.absent] : [])));
  let count;
  // The documents after the boosted ones, in book order, as far as asked.
  const rest = [];
  let restUpTo;
  if (bitmaps.length > 0) {
    // AND the bitmaps a digit at a time, then take out the absent.
    const digits = Math.ceil(meta.docs / 6);
    const and = new Uint8Array(digits);
    for (let i = 0; i < digits; i++) {
      let d = 63;
      for (const bits of bitmaps) d &= i < bits.length ? digit(bits, i) : 0;
      and[i] = d;
    }
    for (const doc of absent) and[Math.floor(doc / 6)] &= ~(1 << doc % 6);
    count = 0;
    for (let i = 0; i < digits; i++) count += POPCOUNT[and[i]];
    let i = 0;
    restUpTo = (n) => {
      for (; rest.length < n && i < digits; i++) {
        for (let b = 0; and[i] && b < 6; b++) {
          const doc = i * 6 + b;
          if (and[i] & (1 << b) && !above.has(doc)) rest.push(doc);
        }
      }
    };
  } else {
    // Every term misses only a few documents: the rest are dense.
    count = meta.docs - absent.size;
    let next = 0;
    restUpTo = (n) => {
      while (rest.length < n && next < meta.docs) {
        const doc = next++;
        if (!above.has(doc) && !absent.has(doc)) rest.push(doc);
      }
    };
  }
  const page = (from, n) => {
    const out = boosted.slice(from, from + n);
    const restFrom = Math.max(0, from - boosted.length);
    restUpTo(restFrom + n - out.length);
    return out.concat(rest.slice(restFrom, restFrom + n - out.length));
  };
  return { count, page, score };
}

/** Set bits of every 6-bit digit value. */
const POPCOUNT = Uint8Array.from({ length: 64 }, (_, v) => [0, 1, 2, 3, 4, 5].filter((b) => v & (1 << b)).length);

/** The facets: URL parameter and term prefix (see export.rs). */
export const FACETS = [
  ["area", "a"],
  ["industry", "i"],
  ["district", "d"],
  ["year", "y"],
  ["method", "m"],
];

/** The URL parameters the page reads, in the order it writes them. */
const KEYS = ["q", ...FACETS.map(([key]) => key)];

/** The page's state from URL parameters (anything with `get`): the query
 *  and each facet, trimmed, "" when absent. */
export function stateOf(params) {
  return Object.fromEntries(KEYS.map((key) => [key, (params.get(key) || "").trim()]));
}

/** The query string of `state` ("?q=…", or "" for an empty state); empty
 *  parameters are left out. */
export function queryString(state) {
  const params = new URLSearchParams();
  for (const key of KEYS) if (state[key]) params.set(key, state[key]);
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The facet terms for `state` (`null`: a facet names no term, so nothing
 *  can match). `options(key)` lists `[value, label]` pairs a facet may
 *  name (the slugs and names of the page's selects). */
export function facetTerms(state, options) {
  const terms = [];
  for (const [key, prefix] of FACETS) {
    const value = state[key];
    if (!value) continue;
    const found = options(key).find(([slug, label]) => slug === value || label === value);
    if (!found) return null;
    terms.push(`#${prefix}:${found[0]}`);
  }
  return terms;
}

// ------------------------------------------------------------- highlight

/** `text` cut into `[piece, marked]` runs, every occurrence of the query's
 *  terms marked (compared width-folded and lowercased, as indexed). */
export function markRuns(text, words) {
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
  const runs = [];
  chars.forEach((c, i) => {
    const last = runs[runs.length - 1];
    if (last && last[1] === marked[i]) last[0] += c;
    else runs.push([c, marked[i]]);
  });
  return runs;
}

/** About `size` characters of `text` centred on the first match of
 *  `words` (the start when nothing matches), with "…" where text is cut. */
export function snippetAround(text, words, size) {
  const chars = [...text];
  if (chars.length <= size) return text;
  const runs = markRuns(text, words);
  let first = 0;
  for (const [piece, marked] of runs) {
    if (marked) break;
    first += [...piece].length;
  }
  if (first >= chars.length) first = 0;
  const start = Math.max(0, Math.min(first - Math.floor(size / 2), chars.length - size));
  const end = Math.min(chars.length, start + size);
  return (start > 0 ? "…" : "") + chars.slice(start, end).join("") + (end < chars.length ? "…" : "");
}

/** Append `text` to `parent` as text nodes, the query's terms in <mark>:
 *  never HTML from the data. */
export function appendMarked(parent, text, words) {
  for (const [piece, marked] of markRuns(text, words)) {
    if (marked) {
      const mark = parent.ownerDocument.createElement("mark");
      mark.textContent = piece;
      parent.append(mark);
    } else {
      parent.append(parent.ownerDocument.createTextNode(piece));
    }
  }
  return parent;
}

// ------------------------------------------------------------------ page

/** Counts what the search downloads (read by the browser test and the
 *  benchmark): files and bytes, and sequential round trips. */
export const traffic = { files: 0, bytes: 0, roundTrips: 0 };

async function fetchText(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${response.status} ${url}`);
  const text = await response.text();
  traffic.files += 1;
  traffic.bytes += new TextEncoder().encode(text).length;
  return text;
}

/** Fetches a query's data given `get(relative name) → Promise<JSON>`:
 *  the shards of its terms, then the files of terms paged out of them.
 *  Returns Map term → its JSON value (terms in no document are absent). */
export async function loadTerms(names, meta, get) {
  const shardIds = [...new Set(names.map((t) => shardOf(t, meta.shards)))];
  const shards = new Map(await Promise.all(shardIds.map(async (i) => [i, await get(`s${i}.json`)])));
  const values = new Map();
  await Promise.all(
    names.map(async (term) => {
      const shard = shards.get(shardOf(term, meta.shards));
      if (!Object.hasOwn(shard, term)) return;
      const value = shard[term];
      values.set(term, typeof value === "number" ? await get(`t${value}.json`) : value);
    }),
  );
  return values;
}

/** The ranked hits for loaded term values (see `rank`). */
export function search(words, facets, values, meta) {
  const terms = new Map([...values].map(([term, value]) => [term, termData(value, meta.docs)]));
  return rank(words, facets, terms, meta);
}

/** Documents in a merge: fetched from each variant this many at a time. */
const MERGE_CHUNK = 32;

/** The ranked hits of a query's variants (see `queryVariants`): a case
 *  matching any variant, at its best variant's score, which is what
 *  `casebook search` gives (each slot at its best alternative). One
 *  variant is `search` itself. Several are merged lazily, best first, as
 *  far as the pages shown, and counted by inclusion-exclusion over their
 *  intersections (which `rank` counts without listing them), so a query
 *  holding a synonym never lists every matching case either. */
export function searchVariants(variants, facets, values, meta) {
  if (variants.length <= 1) return search(variants[0] || [], facets, values, meta);
  const terms = new Map([...values].map(([term, value]) => [term, termData(value, meta.docs)]));
  const ranked = variants.map((words) => rank(words, facets, terms, meta));
  const merged = mergeRanked(ranked);
  return { ...merged, count: unionCount(variants, facets, terms, meta, merged) };
}

/** Ranked results merged best first (score to 1e-6, then book order),
 *  each document once, at its best score. */
function mergeRanked(results) {
  const lanes = results.map((r) => ({ r, at: 0, buffer: [] }));
  const seen = new Map();
  const out = [];
  const head = (lane) => {
    if (lane.buffer.length === 0 && lane.at < lane.r.count) {
      lane.buffer = lane.r.page(lane.at, MERGE_CHUNK);
      lane.at += MERGE_CHUNK;
    }
    return lane.buffer.length ? lane.buffer[0] : undefined;
  };
  const key = (lane, doc) => Math.round(lane.r.score(doc) * 1e6);
  const fill = (upTo) => {
    while (out.length < upTo) {
      let best;
      for (const lane of lanes) {
        const doc = head(lane);
        if (doc === undefined) continue;
        const better = !best || key(lane, doc) > best.key || (key(lane, doc) === best.key && doc < best.doc);
        if (better) best = { lane, doc, key: key(lane, doc) };
      }
      if (!best) return;
      best.lane.buffer.shift();
      if (seen.has(best.doc)) continue;
      seen.set(best.doc, best.lane.r.score(best.doc));
      out.push(best.doc);
    }
  };
  return {
    page: (from, n) => {
      fill(from + n);
      return out.slice(from, from + n);
    },
    score: (doc) => seen.get(doc) || 0,
    all: () => {
      fill(Infinity);
      return out.length;
    },
  };
}

/** How many documents match any variant: by inclusion-exclusion over the
 *  variants' intersections (a document matching all of a set of variants
 *  matches all their words) for up to 4 variants, else by listing them. */
function unionCount(variants, facets, terms, meta, merged) {
  if (variants.length > 4) return merged.all();
  let count = 0;
  for (let set = 1; set < 1 << variants.length; set++) {
    const chosen = variants.filter((_, i) => set & (1 << i));
    const sign = chosen.length % 2 ? 1 : -1;
    count += sign * rank(chosen.flat(), facets, terms, meta).count;
  }
  return count;
}

/** Runs the ranking a few times on made-up data, while the query's files
 *  are on their way: a page runs one search, and in V8 the first runs of
 *  a function are interpreted and unoptimised, which made up most of a
 *  search's time (at 4x CPU throttling, 9,800 cases: median 28 → 15 ms,
 *  slowest 50-87 → 41-47 ms). Never throws: it only warms up. */
export function warmUp(meta, variants = 1) {
  try {
    const docs = Math.min(meta.docs, 64);
    const fake = { ...meta, docs };
    const words = queryWords("质量管理 精益");
    // Docs 1-4 (a posting string); a bitmap term with two top docs; a term
    // absent from doc 2 only: every path of `rank`.
    const small = "BCBCBCBC";
    const big = { n: docs, min: 1, top: "BDBC", bits: "_".repeat(Math.ceil(docs / 6)) };
    const absent = { n: docs - 1, min: 1, top: "BC", absent: "C" };
    for (const [a, b] of [[small, big], [big, absent], [absent, big]]) {
      const values = new Map(words.flat().map(([term], i) => [term, i % 2 ? a : b]));
      const hits = search(words, [], values, fake);
      hits.page(0, PAGE);
      hits.page(PAGE, PAGE);
      // A query holding a synonym merges its variants: warm that too.
      if (variants > 1) searchVariants([words, words.slice(1)], [], values, fake).page(0, PAGE);
    }
  } catch (err) {
    console.debug("search warm-up", err);
  }
}

/** What one search shows: the status line, then the results, the entry
 *  points or the suggestions. */
const SNIPPET_CHARS = 80;
const METHOD_SUGGESTIONS = 6;

/** A shorter query to try after no hits: without its last word, or a
 *  single long word's first half (at least two characters). */
export function shorterQuery(query) {
  const words = query.trim().split(/\s+/u).filter(Boolean);
  if (words.length > 1) return words.slice(0, -1).join(" ");
  const chars = [...(words[0] || "")];
  if (chars.length <= 2) return "";
  return chars.slice(0, Math.max(2, Math.ceil(chars.length / 2))).join("");
}

/** Edits allowed for a word of `len` characters (as `suggest::max_edits`
 *  in Rust): none for one character, one up to four, two up to eight,
 *  then three. */
export function maxEdits(len) {
  if (len <= 1) return 0;
  if (len <= 4) return 1;
  if (len <= 8) return 2;
  return 3;
}

/** Levenshtein distance between two arrays of characters. */
export function editDistance(a, b) {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 0; i < a.length; i++) {
    let diagonal = row[0];
    row[0] = i + 1;
    for (let j = 0; j < b.length; j++) {
      const above = row[j + 1];
      row[j + 1] = Math.min(above + 1, row[j] + 1, diagonal + (a[i] === b[j] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** Width-folded, lowercased characters. */
function foldedChars(text) {
  return [...[...text].map(foldChar).join("").toLowerCase()];
}

/** 你是不是要找: `query` with each word near (but not equal to) one of the
 *  method `names` (most used first) replaced by the nearest; "" when no
 *  word changes. The same rule as `casebook search` (`suggest.rs`). */
export function didYouMean(query, names) {
  const folded = names.map(foldedChars);
  let changed = false;
  const words = [...query].map(foldChar).join("").split(/\s+/u).filter(Boolean);
  const out = words.map((word) => {
    const chars = foldedChars(word);
    if (folded.some((name) => name.join("") === chars.join(""))) return word;
    const limit = maxEdits(chars.length);
    let best = -1;
    let bestEdits = limit + 1;
    folded.forEach((name, i) => {
      const edits = editDistance(chars, name);
      if (edits < bestEdits) [best, bestEdits] = [i, edits];
    });
    if (best < 0) return word;
    changed = true;
    return names[best];
  });
  return changed ? out.join(" ") : "";
}

/** An element with `className` and text. */
function element(doc, tag, className, text) {
  const node = doc.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A link to the search page with `state`. */
function searchLink(doc, state, text) {
  const link = element(doc, "a", "", text);
  link.href = window.location.pathname + queryString(state);
  return link;
}

/** One result card, built as DOM nodes. */
function cardItem(doc, card, words, score) {
  const item = element(doc, "li", "card");
  item.dataset.id = card.id;
  item.dataset.score = score.toFixed(4);
  const title = element(doc, "h2", "card-title");
  const link = element(doc, "a");
  link.setAttribute("href", card.url);
  title.append(appendMarked(link, card.title, words));
  const meta = element(doc, "p", "card-meta");
  meta.append(appendMarked(element(doc, "span", "card-enterprise"), card.enterprise, words));
  for (const [value, className] of [
    [card.area, "card-area"],
    [card.industry, "card-industry"],
    [card.district, "card-district"],
    [card.year ? `${card.year}年` : "", "card-year"],
  ]) {
    if (value) meta.append(element(doc, "span", className, value));
  }
  item.append(title, meta);
  if (card.headline) {
    const headline = element(doc, "p", "card-headline");
    headline.append(element(doc, "span", "visually-hidden", "主要成效："), card.headline);
    item.append(headline);
  }
  const summary = snippetAround(card.summary, words, SNIPPET_CHARS);
  item.append(appendMarked(element(doc, "p", "card-summary"), summary, words));
  return item;
}

/** The page's parts, found once. */
function pageParts() {
  const form = document.getElementById("search-form");
  const results = document.getElementById("search-results");
  const status = document.getElementById("search-status");
  if (!form || !results || !status) return null;
  const metaScript = document.getElementById("search-meta");
  const options = (key) => {
    const select = form.elements[key];
    return select ? [...select.options].filter((o) => o.value).map((o) => [o.value, o.textContent]) : [];
  };
  return {
    form,
    results,
    status,
    browse: document.getElementById("search-browse"),
    topMethods: document.getElementById("search-top-methods"),
    meta: metaScript ? JSON.parse(metaScript.textContent) : null,
    options,
  };
}

/** Show `state` in the form (from the URL, never the browser's memory of
 *  the form). A facet naming no option shows as 全部. */
function fillForm(parts, state) {
  const { form, options } = parts;
  form.elements.q.value = state.q;
  for (const [key] of FACETS) {
    const select = form.elements[key];
    if (!select) continue;
    const found = options(key).find(([slug, label]) => slug === state[key] || label === state[key]);
    select.value = found ? found[0] : "";
  }
}

/** The state the form shows now. */
function formState(form) {
  const state = { q: form.elements.q.value.trim() };
  for (const [key] of FACETS) state[key] = form.elements[key] ? form.elements[key].value : "";
  return state;
}

/** The entry points (areas, most used methods) instead of a blank page. */
function showBrowse(parts, shown) {
  if (parts.browse) parts.browse.hidden = !shown;
}

/** After no hits: remove a facet, a shorter word, the common methods. */
function suggestions(parts, state) {
  const doc = document;
  const box = element(doc, "div", "search-suggest");
  const methodNames = parts.options("method").map(([, label]) => label);
  const near = state.q ? didYouMean(state.q, methodNames) : "";
  if (near) {
    const line = element(doc, "p", "search-did-you-mean", "你是不是要找：");
    line.append(searchLink(doc, { ...state, q: near }, near));
    box.append(line);
  }
  box.append(element(doc, "p", "", "可以试试："));
  const list = element(doc, "ul", "chips");
  for (const [key] of FACETS) {
    if (!state[key]) continue;
    const label = parts.options(key).find(([slug]) => slug === state[key]);
    const item = element(doc, "li");
    item.append(searchLink(doc, { ...state, [key]: "" }, `去掉筛选“${label ? label[1] : state[key]}”`));
    list.append(item);
  }
  const shorter = shorterQuery(state.q);
  if (shorter) {
    const item = element(doc, "li");
    item.append(searchLink(doc, { ...state, q: shorter }, `换个短词：${shorter}`));
    list.append(item);
  }
  box.append(list);
  const methods = parts.topMethods ? [...parts.topMethods.querySelectorAll("a")] : [];
  if (methods.length) {
    box.append(element(doc, "p", "", "常用方法："));
    const common = element(doc, "ul", "chips");
    for (const link of methods.slice(0, METHOD_SUGGESTIONS)) {
      const item = element(doc, "li");
      item.append(searchLink(doc, { q: "", method: link.dataset.slug }, link.textContent));
      common.append(item);
    }
    box.append(common);
  }
  return box;
}

/** Everything one page has fetched, by file name: a facet change or a
 *  new query reuses what an earlier search brought. */
const fetched = new Map();

/** The latest search; an older one still loading drops its results. */
let generation = 0;

/** Run the search `state` describes and show it. */
async function show(parts, state) {
  const mine = ++generation;
  const { results, status, meta } = parts;
  const stale = () => mine !== generation;
  results.removeAttribute("data-ready");
  results.replaceChildren();
  Object.assign(traffic, { files: 0, bytes: 0, roundTrips: 0 });
  const variants = queryVariants(state.q, meta ? meta.synonyms || {} : {});
  // Every alternative's terms: to fetch, and to mark in the cards.
  const words = variants.flat();
  const facets = facetTerms(state, parts.options);
  if (facets === null) {
    status.textContent = "没有找到符合条件的案例";
    showBrowse(parts, false);
    results.append(suggestions(parts, state));
    results.dataset.ready = "true";
    return;
  }
  if (words.length === 0 && facets.length === 0) {
    status.textContent = state.q ? "查询里没有可搜索的文字或数字" : "";
    showBrowse(parts, true);
    results.dataset.ready = "true";
    return;
  }
  showBrowse(parts, false);
  if (!meta) throw new Error("search index missing");
  if (meta.version !== FORMAT) throw new Error(`search index format ${meta.version}`);
  status.textContent = "正在搜索…";

  // Round trips: shards (1), then paged-out terms (2), then cards.
  const base = new URL(meta.base, window.location.href);
  const get = (name) => {
    if (!fetched.has(name)) {
      const loading = fetchText(new URL(name, base)).then(JSON.parse);
      // A failed file is fetched again by the next search.
      loading.catch(() => fetched.delete(name));
      fetched.set(name, loading);
    }
    return fetched.get(name);
  };
  let depth = 0;
  const names = [...new Set([...words.flat().map(([term]) => term), ...facets])];
  const loading = loadTerms(names, meta, (name) => {
    depth = Math.max(depth, name.startsWith("s") ? 1 : 2);
    return get(name);
  });
  warmUp(meta, variants.length);
  const values = await loading;
  if (stale()) return;
  const started = performance.now();
  const hits = searchVariants(variants, facets, values, meta);
  const first = hits.page(0, PAGE);
  results.dataset.searchMs = (performance.now() - started).toFixed(2);

  status.textContent = hits.count ? `找到 ${hits.count} 个案例` : "没有找到符合条件的案例";
  if (!hits.count) results.append(suggestions(parts, state));
  const list = element(document, "ol", "cards search-hits");
  results.append(list);
  const cardsOf = (file) => get(`c${file}.json`);
  let shown = 0;
  const more = element(document, "button", "search-more", "显示更多");
  more.type = "button";
  const showMore = async () => {
    const page = shown === 0 ? first : hits.page(shown, PAGE);
    shown += page.length;
    const cards = await Promise.all(
      page.map(async (doc) => (await cardsOf(Math.floor(doc / meta.cards_per_file)))[doc % meta.cards_per_file]),
    );
    if (stale()) return;
    page.forEach((doc, i) => list.append(cardItem(document, cards[i], words, hits.score(doc))));
    if (shown < hits.count) results.append(more);
    else more.remove();
  };
  more.addEventListener("click", () => showMore());
  await showMore();
  if (stale()) return;
  if (hits.count) depth += 1;
  traffic.roundTrips = depth;
  results.dataset.ready = "true";
  results.dataset.bytes = String(traffic.bytes);
  results.dataset.files = String(traffic.files);
  results.dataset.roundTrips = String(depth);
}

/** Report a failed search on the page. */
function failed(err) {
  const status = document.getElementById("search-status");
  if (status) status.textContent = "搜索索引加载失败，请稍后再试";
  const results = document.getElementById("search-results");
  if (results) results.dataset.ready = "error";
  console.warn(err);
}

/** Wire the page: the URL holds the state; a new query adds a history
 *  entry, a facet change replaces it (and searches at once); back and
 *  forward, and a page restored from the back-forward cache, show what
 *  their URL says. */
function start() {
  const parts = pageParts();
  if (!parts) return;
  const fromUrl = () => {
    const state = stateOf(new URLSearchParams(window.location.search));
    fillForm(parts, state);
    show(parts, state).catch(failed);
  };
  const update = (push) => {
    const state = formState(parts.form);
    const url = window.location.pathname + queryString(state);
    if (push) window.history.pushState(null, "", url);
    else window.history.replaceState(null, "", url);
    show(parts, state).catch(failed);
  };
  parts.form.addEventListener("submit", (event) => {
    event.preventDefault();
    update(formState(parts.form).q !== stateOf(new URLSearchParams(window.location.search)).q);
  });
  for (const [key] of FACETS) {
    const select = parts.form.elements[key];
    if (select) select.addEventListener("change", () => update(false));
  }
  window.addEventListener("popstate", fromUrl);
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) fromUrl();
  });
  fromUrl();
}

if (typeof document !== "undefined") {
  try {
    start();
  } catch (err) {
    failed(err);
  }
}
