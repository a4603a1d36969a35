// The browser search's tokenizer, shard hash and decoders against the Rust
// side: tests/fixtures/search/tokenizer-vectors.json (which
// src/search/analyzer.rs is checked against too), FNV-1a values from
// src/search/export.rs, and tests/fixtures/search/export-vectors.json (which
// export.rs's encoders are checked against).
// Run by `cargo test --test search_js`, or `node --test tests/js/`.

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
// search.js is a browser module with a .js name; Node 20 needs .mjs.
const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "casebook-js-")), "search.mjs");
fs.copyFileSync(path.join(root, "themes/default/static/js/search.js"), copy);
const search = await import(pathToFileURL(copy).href);
fs.rmSync(path.dirname(copy), { recursive: true, force: true });

const vectors = JSON.parse(
  fs.readFileSync(path.join(root, "tests/fixtures/search/tokenizer-vectors.json"), "utf8"),
).vectors;

test("query-mode tokens match the shared vectors", () => {
  assert.ok(vectors.length >= 20);
  for (const v of vectors) {
    assert.deepEqual(search.analyze(v.input, "query"), v.query, `query tokens of ${JSON.stringify(v.input)}`);
  }
});

test("index-mode tokens match the shared vectors", () => {
  for (const v of vectors) {
    assert.deepEqual(search.analyze(v.input, "index"), v.index, `index tokens of ${JSON.stringify(v.input)}`);
  }
});

test("queries split at (full-width) spaces into words", () => {
  assert.deepEqual(search.queryWords("精益\u3000生产  ＱＣ"), [[["精益", 0]], [["生产", 0]], [["qc", 0]]]);
  assert.deepEqual(search.queryWords("。，  "), []);
});

test("shard hash is FNV-1a of UTF-8, as in export.rs", () => {
  assert.equal(search.fnv1a("a"), 0xe40c292c);
  assert.equal(search.fnv1a(""), 0x811c9dc5);
  assert.equal(search.shardOf("西格", 1), 0);
});

// tests/fixtures/search/export-vectors.json: src/search/export.rs's unit
// test `shared_vectors_encode_as_listed` encodes the same inputs with the
// real export code and gets these strings.
const exportVectors = JSON.parse(
  fs.readFileSync(path.join(root, "tests/fixtures/search/export-vectors.json"), "utf8"),
);

test("varints, posting strings, bitmaps and doc lists decode as the shared vectors", () => {
  for (const v of exportVectors.varints) assert.deepEqual(search.decodeVarints(v.text), v.numbers, v.text);
  for (const v of exportVectors.postings) {
    const sorted = [...v.pairs].sort((a, b) => a[0] - b[0]);
    assert.deepEqual([...search.decodePostings(v.text)], sorted, v.text);
  }
  for (const v of exportVectors.bitmaps) assert.deepEqual(search.bitmapDocs(v.text), v.docs, v.text);
  for (const v of exportVectors.doc_lists) assert.deepEqual(search.docList(v.text), v.docs, v.text);
  assert.throws(() => search.decodeVarints("A*"), /bad digit/);
});

test("every term of the shared vectors reads back as its postings", () => {
  const forms = new Set();
  for (const v of exportVectors.terms) {
    const data = search.termData(v.value, v.docs);
    const impacts = new Map(v.postings);
    assert.equal(data.n, v.postings.length, v.name);
    for (let doc = 0; doc < v.docs + 8; doc++) assert.equal(data.has(doc), impacts.has(doc), `${v.name}: doc ${doc}`);
    // Its best 256 documents keep their own impacts (ties: the lower doc).
    const best = [...v.postings].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 256);
    const byDoc = (a, b) => a[0] - b[0];
    assert.deepEqual([...data.top].sort(byDoc), best.sort(byDoc), v.name);
    const big = typeof v.value === "object";
    assert.equal(data.min, big ? Math.min(...impacts.values()) : 0, v.name);
    if (data.list) assert.deepEqual(data.list, [...impacts.keys()].sort((a, b) => a - b), v.name);
    for (const form of ["bits", "docs", "absent"]) if (big && form in v.value) forms.add(form);
  }
  assert.deepEqual([...forms].sort(), ["absent", "bits", "docs"]);
});

test("impacts are a log scale with 0 for none", () => {
  const table = search.scores({ impact_min: 1e-5, impact_steps: 50 });
  assert.equal(table[0], 0);
  assert.equal(table[1], 1e-5);
  // 1 + round(ln(1 / 1e-5) * 50) = 577 is a score of about 1.
  assert.ok(Math.abs(table[577] - 1) < 0.01, String(table[577]));
});

test("every word and facet must match; impacts add up", () => {
  const meta = { docs: 8, impact_min: 1e-5, impact_steps: 50 };
  const table = search.scores(meta);
  // 西格 in docs 0, 2, 5; 格玛 in 0, 2, 5, 7: a big term known by the
  // documents it is absent from (1, 3, 4, 6), its best one doc 2.
  const terms = new Map([
    ["西格", search.termData("AKCBDK", meta.docs)], // doc 0: 10, 2: 1, 5: 10
    ["格玛", search.termData({ n: 4, min: 3, top: "CU", absent: "BCBC" }, meta.docs)], // doc 2: 20
    ["#a:x", search.termData("AACA", meta.docs)], // docs 0, 2
  ]);
  const words = search.queryWords("西格玛");
  const all = (hits) => hits.page(0, Infinity);
  const hits = search.rank(words, [], terms, meta);
  assert.equal(hits.count, 3);
  // Best first, ties in book order.
  assert.deepEqual(all(hits), [2, 0, 5]);
  assert.equal(hits.score(0), table[10] + table[3], "格玛 outside its top list counts at its lowest impact");
  assert.equal(hits.score(2), table[1] + table[20]);
  assert.deepEqual(all(search.rank(words, ["#a:x"], terms, meta)), [2, 0]);
  // A facet alone lists its documents.
  assert.deepEqual(all(search.rank([], ["#a:x"], terms, meta)), [0, 2]);
  // A word with a term in no document matches nothing.
  assert.equal(search.rank(search.queryWords("西格玛 质量"), [], terms, meta).count, 0);
  const values = new Map([["西格", "AKCBDK"], ["格玛", { n: 4, min: 3, top: "CU", absent: "BCBC" }]]);
  assert.deepEqual(all(search.search(words, [], values, meta)), [2, 0, 5]);
});

/** Shared vector `name` (see above). */
function vector(name) {
  return exportVectors.terms.find((v) => v.name === name);
}

/** What `rank` must give, worked out the slow way: every document holding
 *  every term, scored by each word term's own impact in its top list or
 *  else its lowest, best first, ties in book order. */
function bruteForce(wordTerms, facets, values, meta) {
  const table = search.scores(meta);
  const data = new Map([...values].map(([t, v]) => [t, search.termData(v, meta.docs)]));
  const score = (doc) => wordTerms.reduce((sum, t) => sum + table[data.get(t).top.get(doc) ?? data.get(t).min], 0);
  const docs = [];
  for (let doc = 0; doc < meta.docs; doc++) {
    if ([...wordTerms, ...facets].every((t) => data.get(t).has(doc))) docs.push([doc, score(doc)]);
  }
  return docs.sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([doc]) => doc);
}

test("big terms: top lists first, the rest in book order, paged and counted", () => {
  // The export's own values over 600 documents: 质量 in every other one (a
  // bitmap), 管理 in all but 12 (absent list), a facet in 3 (postings).
  const meta = { docs: 600, impact_min: 1e-5, impact_steps: 50 };
  assert.equal(vector("bits").docs, meta.docs);
  assert.equal(vector("absent").docs, meta.docs);
  const values = new Map([
    ["质量", vector("bits").value],
    ["管理", vector("absent").value],
    ["#y:2024", vector("small").value],
  ]);
  for (const [query, facets] of [
    ["质量", []],
    ["管理", []],
    ["质量 管理", []],
    ["管理", ["#y:2024"]],
    ["", ["#y:2024"]],
  ]) {
    const words = search.queryWords(query);
    const expected = bruteForce(words.flat().map(([t]) => t), facets, values, meta);
    const hits = search.search(words, facets, values, meta);
    assert.equal(hits.count, expected.length, `${query} ${facets}`);
    assert.deepEqual(hits.page(0, Infinity), expected, `${query} ${facets}`);
    const paged = [];
    for (let from = 0; from < expected.length; from += 10) paged.push(...hits.page(from, 10));
    assert.deepEqual(paged, expected, `${query} ${facets}, page by page`);
  }
  assert.equal(bruteForce(["质量", "管理"], [], values, meta).length, 288, "the oracle itself: 300 even, 12 absent");
});

test("the warm-up runs on any site size and leaves searches unchanged", () => {
  const meta = { docs: 8, impact_min: 1e-5, impact_steps: 50 };
  const values = new Map([["西格", "AKCBDK"], ["格玛", { n: 4, min: 3, top: "CU", absent: "BCBC" }]]);
  const words = search.queryWords("西格玛");
  const before = search.search(words, [], values, meta).page(0, 10);
  for (const docs of [0, 1, 5, 8, 64, 9800]) for (const variants of [1, 2]) search.warmUp({ ...meta, docs }, variants);
  assert.deepEqual(search.search(words, [], values, meta).page(0, 10), before);
});

test("facet params name terms by slug or label", () => {
  const options = (key) => (key === "area" ? [["social-responsibility", "社会责任"]] : key === "year" ? [["2023", "2023"]] : []);
  const terms = (query) => search.facetTerms(search.stateOf(new URLSearchParams(query)), options);
  assert.deepEqual(terms("area=社会责任&year=2023"), ["#a:social-responsibility", "#y:2023"]);
  assert.deepEqual(terms("area=social-responsibility&from=wechat"), ["#a:social-responsibility"]);
  assert.equal(terms("area=nowhere"), null);
  assert.deepEqual(terms(""), []);
});

test("loadTerms fetches the shards of the query's terms, then paged-out terms", async () => {
  const meta = { shards: 3 };
  const files = new Map();
  const shardOf = (t) => `s${search.shardOf(t, 3)}.json`;
  const put = (name, key, value) => files.set(name, { ...(files.get(name) || {}), [key]: value });
  put(shardOf("精益"), "精益", "AC");
  put(shardOf("质量"), "质量", 0);
  files.set("t0.json", { n: 300, min: 1, top: "", absent: "" });
  const asked = [];
  const values = await search.loadTerms(["精益", "质量", "缺席"], meta, async (name) => {
    asked.push(name);
    return files.get(name) || {};
  });
  assert.equal(values.get("精益"), "AC");
  assert.equal(values.get("质量").n, 300);
  assert.ok(!values.has("缺席"));
  assert.equal(asked.filter((n) => n === "t0.json").length, 1);
  assert.ok(asked.filter((n) => n.startsWith("s")).length <= 3);
});

test("markRuns marks query terms, folded and lowercased, keeping the text as is", () => {
  assert.deepEqual(search.markRuns("推行六西格玛<管理>", search.queryWords("西格玛")), [
    ["推行六", false],
    ["西格玛", true],
    ["<管理>", false],
  ]);
  assert.deepEqual(search.markRuns("ＱＣ小组", search.queryWords("qc")), [
    ["ＱＣ", true],
    ["小组", false],
  ]);
});

test("snippets centre on the first match and mark where they cut", () => {
  const text = "甲".repeat(100) + "六西格玛" + "乙".repeat(100);
  const snippet = search.snippetAround(text, search.queryWords("西格玛"), 20);
  assert.equal(snippet, "…" + "甲".repeat(9) + "六西格玛" + "乙".repeat(7) + "…");
  // Nothing matches: the start; short text: all of it.
  assert.equal(search.snippetAround(text, search.queryWords("精益"), 4), "甲甲甲甲…");
  assert.equal(search.snippetAround("短文", search.queryWords("精益"), 4), "短文");
  // A match near the end keeps a full window.
  assert.equal(search.snippetAround("甲".repeat(30) + "精益", search.queryWords("精益"), 6), "…甲甲甲甲精益");
});

test("the URL holds only the parameters in use, in a fixed order", () => {
  const state = search.stateOf(new URLSearchParams("year=2023&q=%20精益%20&area=&method=lean"));
  assert.deepEqual(state, { q: "精益", area: "", industry: "", district: "", year: "2023", method: "lean" });
  assert.equal(search.queryString(state), "?q=%E7%B2%BE%E7%9B%8A&year=2023&method=lean");
  assert.equal(search.queryString(search.stateOf(new URLSearchParams("area=&q="))), "");
});

test("facet terms name the selects' options by slug or label; an unknown one matches nothing", () => {
  const options = (key) => ({ method: [["six-sigma", "六西格玛"]], year: [["2023", "2023年"]] })[key] || [];
  const state = search.stateOf(new URLSearchParams("method=六西格玛&year=2023"));
  assert.deepEqual(search.facetTerms(state, options), ["#y:2023", "#m:six-sigma"]);
  assert.equal(search.facetTerms(search.stateOf(new URLSearchParams("area=nowhere")), options), null);
});

test("a shorter query drops the last word, or halves a long word", () => {
  assert.equal(search.shorterQuery("质量 管理 创新"), "质量 管理");
  assert.equal(search.shorterQuery("数字化质量管控"), "数字化质");
  assert.equal(search.shorterQuery("精益"), "");
});

test("你是不是要找 suggests as the shared vectors (and suggest.rs) say", () => {
  const vectors = JSON.parse(
    fs.readFileSync(path.join(root, "tests/fixtures/search/suggest-vectors.json"), "utf8"),
  );
  for (const [query, want] of vectors.cases) {
    assert.equal(search.didYouMean(query, vectors.names), want, JSON.stringify(query));
  }
  assert.equal(search.editDistance([..."kitten"], [..."sitting"]), 3);
  assert.equal(search.maxEdits(1), 0);
});

test("synonyms cut queries into the slots the shared vectors list", () => {
  const synonyms = JSON.parse(
    fs.readFileSync(path.join(root, "tests/fixtures/search/synonym-vectors.json"), "utf8"),
  );
  const normalised = {};
  for (const [term, spellings] of Object.entries(synonyms.table)) {
    for (const spelling of spellings) normalised[search.normaliseSpelling(spelling)] = term;
  }
  assert.deepEqual(normalised, synonyms.normalised);
  assert.ok(synonyms.queries.length >= 10);
  for (const { query, slots } of synonyms.queries) {
    assert.deepEqual(search.querySlots(query, synonyms.normalised), slots, JSON.stringify(query));
  }
  assert.deepEqual(search.querySlots("６Σ 管理", {}), [["6Σ"], ["管理"]], "no table: folded words as typed");
});

test("a query's variants are every choice of one alternative per slot", () => {
  const table = { spc: "统计过程控制" };
  const variants = search.queryVariants("SPC 质量", table);
  assert.deepEqual(variants, [
    [search.analyze("统计过程控制", "query"), search.analyze("质量", "query")],
    [search.analyze("SPC", "query"), search.analyze("质量", "query")],
  ]);
  assert.deepEqual(search.queryVariants("质量 管理", table), [search.queryWords("质量 管理")]);
  assert.deepEqual(search.queryVariants("，", table), []);
});

const DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** A posting string of `[doc, impact]` pairs (export.rs's encoding). */
function posting(pairs) {
  let text = "";
  let last = 0;
  const push = (n) => {
    do {
      const d = n & 31;
      n = Math.floor(n / 32);
      text += DIGITS[d | (n ? 32 : 0)];
    } while (n);
  };
  for (const [doc, impact] of pairs) {
    push(doc - last);
    push(impact);
    last = doc;
  }
  return text;
}

/** A bitmap string of `docs` (6 a character). */
function bitmap(docs, count) {
  const sextets = new Array(Math.ceil(count / 6)).fill(0);
  for (const doc of docs) sextets[Math.floor(doc / 6)] |= 1 << doc % 6;
  return sextets.map((v) => DIGITS[v]).join("");
}

test("merged variants list what a full merge lists, lazily, and count the union", () => {
  const docs = 600;
  const meta = { docs, impact_min: 1e-5, impact_steps: 50 };
  const range = (f) => [...Array(docs).keys()].filter(f);
  const big = (members, top) => ({ n: members.length, min: 400, top: posting(top), bits: bitmap(members, docs) });
  const values = new Map([
    ["aa", big(range((d) => d % 3 !== 0), [[4, 600], [100, 700], [301, 650]])],
    ["bb", posting(range((d) => d % 7 === 0).map((d) => [d, 500 + (d % 50)]))],
    ["cc", big(range((d) => d % 2 === 0), [[4, 500], [10, 800]])],
    ["dd", big(range((d) => d % 5 !== 0), [[7, 900]])],
  ]);
  const word = (term) => [[term, 0]];
  for (const variants of [
    [[word("aa")], [word("bb")]],
    [[word("aa")], [word("cc")]],
    [[word("aa"), word("dd")], [word("cc")], [word("bb"), word("dd")]],
    [[word("aa")], [word("missing")]],
    // More than 4 variants: counted by listing them.
    [[word("aa")], [word("bb")], [word("cc")], [word("dd")], [word("aa"), word("cc")]],
  ]) {
    const terms = new Map([...values].map(([t, v]) => [t, search.termData(v, docs)]));
    const best = new Map();
    for (const words of variants) {
      const hits = search.rank(words, [], terms, meta);
      for (const doc of hits.page(0, hits.count)) best.set(doc, Math.max(best.get(doc) ?? -1, hits.score(doc)));
    }
    const expected = [...best.keys()].sort(
      (a, b) => Math.round(best.get(b) * 1e6) - Math.round(best.get(a) * 1e6) || a - b,
    );
    const merged = search.searchVariants(variants, [], values, meta);
    assert.equal(merged.count, expected.length, JSON.stringify(variants));
    assert.deepEqual(merged.page(0, 10), expected.slice(0, 10));
    assert.deepEqual(merged.page(10, 300), expected.slice(10, 310));
    assert.deepEqual(merged.page(0, docs), expected);
    for (const doc of expected.slice(0, 20)) assert.equal(merged.score(doc), best.get(doc));
  }
});

test("variants merge: a case matching any, at its best variant's score", () => {
  // Docs 1 and 2 hold spc (impacts 600, 500); docs 2 and 3 hold the
  // term's bigrams (impact 550 each bigram, so 2 is best by the term).
  const meta = { docs: 5, impact_min: 1e-5, impact_steps: 50 };
  const table = { spc: "统计" };
  const variants = search.queryVariants("SPC", table);
  const values = new Map([
    ["spc", posting([[1, 600], [2, 500]])],
    ["统计", posting([[2, 640], [3, 550]])],
  ]);
  const hits = search.searchVariants(variants, [], values, meta);
  assert.equal(hits.count, 3);
  assert.deepEqual(hits.page(0, 10), [2, 1, 3]);
  const one = search.search([search.analyze("统计", "query")], [], values, meta);
  assert.equal(hits.score(2), one.score(2), "doc 2 at its better variant");
  // No synonym: the plain search.
  const plain = search.searchVariants(search.queryVariants("SPC", {}), [], values, meta);
  assert.deepEqual(plain.page(0, 10), [1, 2]);
});
