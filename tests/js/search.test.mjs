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
  const { docs, totals } = search.rank(words, [], terms, meta);
  assert.deepEqual([...docs], [0, 2, 5]);
  assert.equal(totals[0], table[10] + table[3], "格玛 outside its top list counts at its lowest impact");
  assert.equal(totals[2], table[1] + table[20]);
  assert.deepEqual([...search.rank(words, ["#a:x"], terms, meta).docs], [0, 2]);
  // A facet alone lists its documents.
  assert.deepEqual([...search.rank([], ["#a:x"], terms, meta).docs], [0, 2]);
  // A word with a term in no document matches nothing.
  assert.equal(search.rank(search.queryWords("西格玛 质量"), [], terms, meta).docs.length, 0);
  // Sorted best first, ties in book order.
  const values = new Map([["西格", "AKCBDK"], ["格玛", { n: 4, min: 3, top: "CU", absent: "BCBC" }]]);
  assert.deepEqual([...search.search(words, [], values, meta).docs], [2, 0, 5]);
  assert.deepEqual([...search.best(new Uint32Array([1, 4, 3]), new Float64Array([0, 2, 0, 5, 2]))], [3, 1, 4]);
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
