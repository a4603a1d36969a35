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

test("phrase matching and BM25 ranking", () => {
  const meta = {
    docs: 3,
    fields: [
      { name: "title", boost: 5, avg: 4 },
      { name: "body", boost: 1, avg: 4 },
    ],
    lengths: [[4, 4], [4, 4], [4, 4]],
  };
  // doc 0: 西格玛 in the title; doc 1: 西格 and 格玛 apart in the body;
  // doc 2: 西格玛 in the body.
  // Format 2: [docDelta, field, tf…] and delta-encoded positions.
  const postings = new Map([
    ["西格", search.decode([0, 0, 1, 1, 1, 1, 1, 1, 1], [1, 0, 2])],
    ["格玛", search.decode([0, 0, 1, 1, 1, 1, 1, 1, 1], [2, 5, 3])],
  ]);
  assert.deepEqual(postings.get("西格"), [[0, 0, 1, [1]], [1, 1, 1, [0]], [2, 1, 1, [2]]]);
  const scores = search.rank(search.queryWords("西格玛"), postings, meta);
  assert.deepEqual([...scores.keys()].sort(), [0, 2]);
  assert.ok(scores.get(0) > scores.get(2), "title match ranks first");
  assert.equal(search.rank(search.queryWords("西格玛 质量"), postings, meta).size, 0);
});

test("decode: doc deltas, term frequencies, positions delta-encoded per posting", () => {
  const p = [3, 0, 2, 0, 5, 1, 4, 5, 3];
  assert.deepEqual(search.decode(p, [1, 2, 7, 10, 1, 1]), [
    [3, 0, 2, [1, 3]],
    [3, 5, 1, [7]],
    [7, 5, 3, [10, 11, 12]],
  ]);
  // Without positions (a one-term word needs only tf).
  assert.deepEqual(search.decode(p, null), [[3, 0, 2, null], [3, 5, 1, null], [7, 5, 3, null]]);
  const meta = { docs: 10, fields: [{ boost: 1, avg: 3 }, {}, {}, {}, {}, { boost: 1, avg: 3 }], lengths: Array(10).fill([3, 0, 0, 0, 0, 3]) };
  const scores = search.rank([[["x", 0]]], new Map([["x", search.decode(p, null)]]), meta);
  assert.deepEqual([...scores.keys()], [3, 7]);
});

test("highlight marks query terms, escaping the rest", () => {
  assert.equal(search.highlight("推行六西格玛<管理>", search.queryWords("西格玛")), "推行六<mark>西格玛</mark>&lt;管理&gt;");
  assert.equal(search.highlight("ＱＣ小组", search.queryWords("qc")), "<mark>ＱＣ</mark>小组");
});
