// The browser search's tokenizer and shard hash against the Rust side:
// tests/fixtures/search/tokenizer-vectors.json (which src/search/analyzer.rs
// is checked against too) and FNV-1a values from src/search/export.rs.
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

// The same vectors as the unit tests in src/search/export.rs.
test("varints, posting strings and bitmaps decode as export.rs writes them", () => {
  assert.deepEqual(search.decodeVarints("AfgB_fggB"), [0, 31, 32, 1023, 1024]);
  assert.deepEqual([...search.decodePostings("DBlBC")], [[3, 1], [40, 2]]);
  assert.deepEqual(search.bitmapDocs("hC"), [0, 5, 7]);
  assert.deepEqual(search.docList("DlB"), [3, 40]);
  assert.throws(() => search.decodeVarints("A*"), /bad digit/);
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

/** A big term's value: `docs` as a bitmap, `top` as Map doc → impact. */
function bigTerm(docs, top, min) {
  let bits = "";
  const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const max = Math.max(...docs);
  for (let i = 0; i * 6 <= max; i++) {
    let d = 0;
    for (let b = 0; b < 6; b++) if (docs.includes(i * 6 + b)) d |= 1 << b;
    bits += ALPHABET[d];
  }
  const varint = (v) => {
    let out = "";
    do {
      const low = v % 32;
      v = Math.floor(v / 32);
      out += ALPHABET[low + (v > 0 ? 32 : 0)];
    } while (v > 0);
    return out;
  };
  let topText = "";
  let last = 0;
  for (const [doc, impact] of [...top].sort((a, b) => a[0] - b[0])) {
    topText += varint(doc - last) + varint(impact);
    last = doc;
  }
  return { n: docs.length, min, top: topText, bits };
}

test("big terms alone: top lists first, the rest in book order, paged and counted", () => {
  const meta = { docs: 40, impact_min: 1e-5, impact_steps: 50 };
  const even = Array.from({ length: 20 }, (_, i) => i * 2); // 0, 2, … 38
  const threes = Array.from({ length: 14 }, (_, i) => i * 3); // 0, 3, … 39
  const terms = new Map([
    ["质量", search.termData(bigTerm(even, new Map([[30, 9], [4, 5], [6, 2]]), 2), meta.docs)],
    ["管理", search.termData(bigTerm(threes, new Map([[12, 7], [9, 8]]), 2), meta.docs)],
    ["#y:2024", search.termData({ n: 37, min: 0, top: "", absent: "BBB" }, meta.docs)], // all but 1, 2, 3
  ]);
  const words = search.queryWords("质量 管理");
  const hits = search.rank(words, [], terms, meta);
  // Both: multiples of 6. Boosted: 30 (质量 9), 12 (管理 7); 6 has 质量 at its minimum.
  assert.equal(hits.count, 7);
  assert.deepEqual(hits.page(0, 3), [30, 12, 0]);
  assert.deepEqual(hits.page(3, 10), [6, 18, 24, 36]);
  assert.ok(hits.score(30) > hits.score(12) && hits.score(12) > hits.score(0));
  assert.equal(hits.score(6), hits.score(0));
  // A facet stored as its absences: the even documents but 2.
  const filtered = search.rank(search.queryWords("质量"), ["#y:2024"], terms, meta);
  assert.equal(filtered.count, 19);
  assert.deepEqual(filtered.page(0, 4), [30, 4, 0, 6]);
  // Absent-only terms: every document but the absent ones.
  const only = search.rank([], ["#y:2024"], terms, meta);
  assert.equal(only.count, 37);
  assert.deepEqual(only.page(0, 3), [0, 4, 5]);
});

test("the warm-up runs on any site size and leaves searches unchanged", () => {
  const meta = { docs: 8, impact_min: 1e-5, impact_steps: 50 };
  const values = new Map([["西格", "AKCBDK"], ["格玛", { n: 4, min: 3, top: "CU", absent: "BCBC" }]]);
  const words = search.queryWords("西格玛");
  const before = search.search(words, [], values, meta).page(0, 10);
  for (const docs of [0, 1, 5, 8, 64, 9800]) search.warmUp({ ...meta, docs });
  assert.deepEqual(search.search(words, [], values, meta).page(0, 10), before);
});

test("facet params name terms by slug or label", () => {
  const options = (key) => (key === "area" ? [["social-responsibility", "社会责任"]] : key === "year" ? [["2023", "2023"]] : []);
  const terms = (query) => search.facetTerms(new URLSearchParams(query), options);
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

test("highlight marks query terms, escaping the rest", () => {
  assert.equal(search.highlight("推行六西格玛<管理>", search.queryWords("西格玛")), "推行六<mark>西格玛</mark>&lt;管理&gt;");
  assert.equal(search.highlight("ＱＣ小组", search.queryWords("qc")), "<mark>ＱＣ</mark>小组");
});
