// search.js over the export of a generated site big enough for every form
// of a common term (tests/common/common_terms.rs: 质量 as an absent-list,
// 检测 as a bitmap, 稀土 as a list of cases, 管理 in every case), against
// the oracle that reads the site's Markdown. `cargo test --test search_js`
// builds the site and sets CASEBOOK_COMMON_OUT (the output folder) and
// CASEBOOK_COMMON_EXPECTED (the oracle's answers); run alone, this file is
// reported as skipped.

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "casebook-js-")), "search.mjs");
fs.copyFileSync(path.join(root, "themes/default/static/js/search.js"), copy);
const search = await import(pathToFileURL(copy).href);
fs.rmSync(path.dirname(copy), { recursive: true, force: true });

const OUT = process.env.CASEBOOK_COMMON_OUT;
const EXPECTED = process.env.CASEBOOK_COMMON_EXPECTED;
const skip = OUT && EXPECTED ? false : "needs the generated site: run `cargo test --test search_js`";

test("common terms: search.js finds exactly what the Markdown holds", { skip }, async () => {
  const meta = JSON.parse(fs.readFileSync(path.join(OUT, "search/meta.json"), "utf8"));
  const folder = path.join(OUT, meta.base);
  const get = async (name) => JSON.parse(fs.readFileSync(path.join(folder, name), "utf8"));
  const idOf = async (doc) => (await get(`c${Math.floor(doc / meta.cards_per_file)}.json`))[doc % meta.cards_per_file].id;
  const forms = new Map();
  for (const query of JSON.parse(fs.readFileSync(EXPECTED, "utf8"))) {
    const label = `${query.q} ${query.facet_terms.join(" ")}`;
    const words = search.queryWords(query.q);
    const names = [...new Set([...words.flat().map(([t]) => t), ...query.facet_terms])];
    const values = await search.loadTerms(names, meta, get);
    for (const [term, value] of values) {
      for (const form of ["bits", "docs", "absent"]) if (typeof value === "object" && form in value) forms.set(term, form);
    }
    const hits = search.search(words, query.facet_terms, values, meta);
    const docs = hits.page(0, Infinity);
    assert.equal(hits.count, query.ids.length, `${label}: count`);
    const ids = await Promise.all(docs.map(idOf));
    assert.deepEqual([...ids].sort(), query.ids, `${label}: the cases holding it`);
    // Best first, ties in book order; the pages add up to the same list.
    for (let i = 1; i < docs.length; i++) {
      const [a, b] = [hits.score(docs[i - 1]), hits.score(docs[i])];
      assert.ok(a > b || (a === b && docs[i - 1] < docs[i]), `${label}: ranked at ${i}`);
    }
    const paged = [];
    for (let from = 0; from < docs.length; from += 10) paged.push(...hits.page(from, 10));
    assert.deepEqual(paged, docs, `${label}: page by page`);
  }
  assert.equal(forms.get("质量"), "absent");
  assert.equal(forms.get("管理"), "absent");
  assert.equal(forms.get("检测"), "bits");
  assert.equal(forms.get("稀土"), "docs");
});
