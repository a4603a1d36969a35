// The search page's behaviour on a phone (390 px) in Chromium, on the
// example site (CASEBOOK_SITE_DIR, built by tests/browser.rs): facets
// search at once and live in the URL, back and forward restore a search,
// an empty query shows where to start, no hits shows what to try (with
// 你是不是要找 for a near miss of a method's name), the
// method facet narrows, cards carry the case's facets, and the synonyms
// table finds 六西格玛 cases for 6σ, 6sigma and Six Sigma, while SPC still
// finds the cases that write SPC.

import { test } from "node:test";
import assert from "node:assert/strict";

import { phoneSession } from "./lib.mjs";

const SITE_DIR = process.env.CASEBOOK_SITE_DIR;
const skip = SITE_DIR ? false : "needs a built site: run `cargo test --test browser`";

// The example site's published cases with 六西格玛 among their methods.
const SIX_SIGMA = ["2022-001", "2022-002", "2023-001", "2023-002", "2024-002"];

const session = phoneSession(SITE_DIR, skip);

/** Wait until the page has shown the search its URL names. */
async function settled(page) {
  await page.waitForSelector("#search-results[data-ready]", { state: "attached", timeout: 20_000 });
}

/** What the page shows: status, hits (id and the card's facet texts), the
 *  URL's query string, the form's values, whether entry points show. */
async function shown(page) {
  await settled(page);
  return page.evaluate(() => {
    const form = document.getElementById("search-form");
    const text = (li, selector) => li.querySelector(selector)?.textContent || "";
    return {
      search: window.location.search,
      status: document.getElementById("search-status").textContent,
      hits: [...document.querySelectorAll("#search-results li.card")].map((li) => ({
        id: li.dataset.id,
        area: text(li, ".card-area"),
        industry: text(li, ".card-industry"),
        district: text(li, ".card-district"),
        year: text(li, ".card-year"),
        marks: [...li.querySelectorAll("mark")].map((m) => m.textContent),
        summary: text(li, ".card-summary"),
      })),
      form: Object.fromEntries(["q", "area", "industry", "district", "year", "method"].map((k) => [k, form.elements[k].value])),
      browse: !document.getElementById("search-browse").hidden,
      suggestions: [...document.querySelectorAll(".search-suggest a")].map((a) => ({
        text: a.textContent,
        href: a.getAttribute("href"),
      })),
    };
  });
}

/** A new tab on the search page with `query` (URL-encoded here). */
async function open(query) {
  const page = await session.browser.context.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(`${session.origin}/search/${query ? "?" + new URLSearchParams(query) : ""}`, { waitUntil: "load" });
  page.errors = errors;
  return page;
}

/** Choose `value` in the facet select `name`, and wait for the search it
 *  runs (the status changes; no button is pressed). */
async function choose(page, name, value) {
  await page.evaluate(() => document.getElementById("search-results").removeAttribute("data-ready"));
  await page.selectOption(`select[name="${name}"]`, value);
  return shown(page);
}

const ids = (state) => state.hits.map((h) => h.id).sort();

test("a facet change filters at once and rewrites the URL without empty parameters", { skip }, async () => {
  const page = await open({ q: "精益" });
  const all = await shown(page);
  assert.ok(all.hits.some((h) => h.year !== "2023年"), JSON.stringify(all.hits));
  const only2023 = await choose(page, "year", "2023");
  assert.ok(only2023.hits.length > 0 && only2023.hits.length < all.hits.length, JSON.stringify(only2023));
  for (const hit of only2023.hits) assert.equal(hit.year, "2023年", JSON.stringify(hit));
  assert.equal(only2023.status, `找到 ${only2023.hits.length} 个案例`);
  assert.equal(decodeURIComponent(only2023.search), "?q=精益&year=2023");
  const again = await choose(page, "year", "");
  assert.equal(decodeURIComponent(again.search), "?q=精益", "an empty facet leaves the URL");
  assert.deepEqual(ids(again), ids(all));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("back from a result restores the query, the facets and the results", { skip }, async () => {
  const page = await open({ q: "精益" });
  await shown(page);
  const before = await choose(page, "area", (await page.$eval('select[name="area"] option:nth-child(2)', (o) => o.value)));
  assert.ok(before.hits.length > 0, JSON.stringify(before));
  await Promise.all([page.waitForURL(/\/cases\//), page.click("#search-results li.card a")]);
  // Change nothing there; come back.
  await page.goBack({ waitUntil: "load" });
  const after = await shown(page);
  assert.equal(after.search, before.search);
  assert.deepEqual(after.form, before.form);
  assert.deepEqual(ids(after), ids(before));
  // Forward and back again across two searches of this tab.
  await page.fill("#search-q", "质量");
  await page.evaluate(() => document.getElementById("search-results").removeAttribute("data-ready"));
  await page.press("#search-q", "Enter");
  const second = await shown(page);
  assert.equal(second.form.q, "质量");
  await page.evaluate(() => document.getElementById("search-results").removeAttribute("data-ready"));
  await page.goBack();
  const restored = await shown(page);
  assert.equal(restored.form.q, "精益");
  assert.deepEqual(ids(restored), ids(before));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("the 方法 facet narrows to the method's cases", { skip }, async () => {
  const page = await open({ q: "质量" });
  const all = await shown(page);
  const sixSigma = await choose(page, "method", "six-sigma");
  assert.ok(sixSigma.hits.length < all.hits.length, `${sixSigma.hits.length} of ${all.hits.length}`);
  assert.deepEqual(ids(sixSigma), SIX_SIGMA);
  assert.equal(sixSigma.search, "?q=%E8%B4%A8%E9%87%8F&method=six-sigma");
  // A facet alone (no words) lists its cases too.
  const facetOnly = await open({ method: "six-sigma" });
  assert.deepEqual(ids(await shown(facetOnly)), SIX_SIGMA);
  await facetOnly.close();
  await page.close();
});

test("an empty query shows entry points, not a blank page", { skip }, async () => {
  const page = await open(null);
  const state = await shown(page);
  assert.equal(state.hits.length, 0);
  assert.ok(state.browse, "entry points shown");
  const links = await page.$$eval("#search-browse a", (as) => as.map((a) => a.getAttribute("href")));
  assert.ok(links.some((h) => /^\/areas\/[a-z-]+\/$/.test(h)), links.join(" "));
  assert.ok(links.includes("/search/?method=six-sigma"), links.join(" "));
  // Submitting the empty box adds no empty parameters.
  await page.press("#search-q", "Enter");
  assert.equal((await shown(page)).search, "");
  // One search box: the header's is this page's.
  assert.equal(await page.$$eval('input[type="search"]', (inputs) => inputs.length), 1);
  assert.equal(await page.$eval("header #search-q", (i) => i.form.id), "search-form");
  // A query hides them.
  await page.fill("#search-q", "精益");
  await page.evaluate(() => document.getElementById("search-results").removeAttribute("data-ready"));
  await page.press("#search-q", "Enter");
  const searched = await shown(page);
  assert.ok(!searched.browse && searched.hits.length > 0, JSON.stringify(searched));
  await page.close();
});

test("no hits suggests removing a facet, a shorter word and common methods", { skip }, async () => {
  const page = await open({ q: "精益生产线改造", year: "2022" });
  const state = await shown(page);
  assert.equal(state.hits.length, 0);
  assert.equal(state.status, "没有找到符合条件的案例");
  const hrefs = state.suggestions.map((s) => decodeURIComponent(s.href));
  assert.ok(hrefs.includes("/search/?q=精益生产线改造"), hrefs.join(" "));
  assert.ok(state.suggestions.some((s) => s.text === "去掉筛选“2022年”"), JSON.stringify(state.suggestions));
  assert.ok(hrefs.includes("/search/?q=精益生产&year=2022"), hrefs.join(" "));
  assert.ok(hrefs.includes("/search/?method=six-sigma"), hrefs.join(" "));
  // Each suggestion leads to results.
  await page.goto(session.origin + state.suggestions.find((s) => s.text.startsWith("换个短词")).href);
  assert.ok((await shown(page)).hits.length > 0);
  await page.close();
});

test("a near miss offers 你是不是要找, and following it finds the method's cases", { skip }, async () => {
  const page = await open({ q: "六西格马" });
  const state = await shown(page);
  assert.equal(state.hits.length, 0);
  assert.equal(await page.$eval(".search-did-you-mean", (p) => p.textContent), "你是不是要找：六西格玛");
  // A word near no method offers none.
  const far = await open({ q: "量子纠缠" });
  await shown(far);
  assert.equal(await far.$$eval(".search-did-you-mean", (found) => found.length), 0);
  await far.close();
  await Promise.all([
    page.waitForURL((url) => url.searchParams.get("q") === "六西格玛"),
    page.click(".search-did-you-mean a"),
  ]);
  const found = await shown(page);
  for (const id of SIX_SIGMA) assert.ok(ids(found).includes(id), `${id} in ${JSON.stringify(ids(found))}`);
  assert.equal(found.form.q, "六西格玛");
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("cards show area, industry, district and year, and a snippet around the match", { skip }, async () => {
  const page = await open({ q: "西格玛" });
  const state = await shown(page);
  const hit = state.hits.find((h) => h.id === "2022-002");
  assert.ok(hit, JSON.stringify(state.hits));
  assert.equal(hit.industry, "生物医药");
  assert.equal(hit.district, "奉贤区");
  assert.equal(hit.year, "2022年");
  assert.ok(hit.area.length > 0, JSON.stringify(hit));
  assert.ok(hit.marks.includes("西格玛"), JSON.stringify(hit));
  assert.ok([...hit.summary].length <= 82, hit.summary);
  await page.close();
});

test("synonyms: 6σ, 6sigma and Six Sigma find the 六西格玛 cases", { skip }, async () => {
  for (const q of ["6σ", "6sigma", "Six Sigma", "６Σ"]) {
    const page = await open({ q });
    const state = await shown(page);
    assert.deepEqual(ids(state), SIX_SIGMA, q);
    assert.ok(state.hits.some((h) => h.marks.includes("六西格玛")), `${q}: the term searched is marked`);
    assert.equal(state.form.q, q, "the box keeps what the reader typed");
    await page.close();
  }
});

test("a spelling the cases write still finds them: SPC finds SPC and 统计过程控制", { skip }, async () => {
  const ofQuery = async (q) => {
    const page = await open({ q });
    const found = ids(await shown(page));
    await page.close();
    return found;
  };
  const [spc, term] = await Promise.all([ofQuery("SPC"), ofQuery("统计过程控制")]);
  assert.ok(term.every((id) => spc.includes(id)), `SPC finds every 统计过程控制 case: ${spc} vs ${term}`);
  assert.ok(spc.includes("2023-004"), `SPC finds a case writing only SPC: ${spc}`);
});

