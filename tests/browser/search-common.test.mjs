// The search page in Chromium on the generated common-terms site
// (tests/common/common_terms.rs: 质量 stored as an absent-list, 检测 as a
// bitmap, 稀土 as a list of cases, 管理 in every case), against the oracle
// that reads the site's Markdown. tests/browser.rs builds the site and sets
// CASEBOOK_COMMON_OUT and CASEBOOK_COMMON_EXPECTED; without them this file
// is reported as skipped.
//
// For each query the page itself must show the oracle's count and, first,
// only cases the oracle names, best first; then the page's own search.js
// module, in the page, lists every match, which must be the oracle's.

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

import { serve, openBrowser, PHONE } from "./lib.mjs";

const OUT = process.env.CASEBOOK_COMMON_OUT;
const EXPECTED = process.env.CASEBOOK_COMMON_EXPECTED;
const skip = OUT && EXPECTED ? false : "needs the generated site: run `cargo test --test browser`";

/** In the page: every match of `query`, by the page's own search.js. */
async function allMatches(query) {
  const script = document.querySelector('script[type="module"][src*="search"]');
  const search = await import(script.src);
  const meta = JSON.parse(document.getElementById("search-meta").textContent);
  const base = new URL(meta.base, window.location.href);
  const get = async (name) => (await fetch(new URL(name, base))).json();
  const words = search.queryWords(query.q);
  const names = [...new Set([...words.flat().map(([t]) => t), ...query.facet_terms])];
  const values = await search.loadTerms(names, meta, get);
  const hits = search.search(words, query.facet_terms, values, meta);
  return { count: hits.count, docs: hits.page(0, Infinity) };
}

/** Each document's case id, from the export's card files on disk. */
function caseIds() {
  const meta = JSON.parse(fs.readFileSync(path.join(OUT, "search/meta.json"), "utf8"));
  const ids = [];
  for (let file = 0; ids.length < meta.docs; file++) {
    const cards = JSON.parse(fs.readFileSync(path.join(OUT, meta.base, `c${file}.json`), "utf8"));
    ids.push(...cards.map((card) => card.id));
  }
  return ids;
}

test("common terms in Chromium: the Markdown's answers", { skip, timeout: 300_000 }, async () => {
  const server = await serve(OUT);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const { context, close } = await openBrowser(PHONE, origin);
  try {
    const idOf = caseIds();
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (err) => errors.push(String(err)));
    for (const query of JSON.parse(fs.readFileSync(EXPECTED, "utf8"))) {
      const label = `${query.q} ${query.facet_terms.join(" ")}`;
      const params = new URLSearchParams({ q: query.q, ...query.params });
      await page.goto(`${origin}/search/?${params}`, { waitUntil: "load" });
      await page.waitForSelector("#search-results[data-ready]", { state: "attached", timeout: 60_000 });
      assert.equal(await page.$eval("#search-results", (r) => r.dataset.ready), "true", label);
      const status = await page.$eval("#search-status", (s) => s.textContent);
      const n = query.ids.length;
      assert.equal(status, n ? `找到 ${n} 个案例` : "没有找到符合条件的案例", label);
      const shown = await page.$$eval("#search-results li.card", (items) =>
        items.map((li) => ({ id: li.dataset.id, score: Number(li.dataset.score) })),
      );
      assert.equal(shown.length, Math.min(n, 10), `${label}: first page`);
      for (const [i, hit] of shown.entries()) {
        assert.ok(query.ids.includes(hit.id), `${label}: ${hit.id} does not hold it`);
        if (i > 0) assert.ok(hit.score <= shown[i - 1].score, `${label}: ranked at ${i}`);
      }
      const all = await page.evaluate(allMatches, query);
      assert.equal(all.count, n, `${label}: count`);
      const ids = all.docs.map((doc) => idOf[doc]);
      assert.deepEqual([...ids].sort(), query.ids, `${label}: every match`);
      assert.deepEqual(ids.slice(0, shown.length), shown.map((h) => h.id), `${label}: the page shows the first`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await close();
    server.close();
  }
});
