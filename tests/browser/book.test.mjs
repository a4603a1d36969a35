// The web book on a phone (390 px) in Chromium, on the example site
// (CASEBOOK_SITE_DIR, built by tests/browser.rs): from the front page's
// contents into the first chapter, then 下一章 through every chapter to the
// indices, each case met exactly once and no page scrolling sideways; the
// breadcrumb leads back; and links into the book as it was (one page:
// `compilation/2023/#case-…`) are forwarded to the chapter holding them.

import { test } from "node:test";
import assert from "node:assert/strict";

import { phoneSession } from "./lib.mjs";

const SITE_DIR = process.env.CASEBOOK_SITE_DIR;
const skip = SITE_DIR ? false : "needs a built site: run `cargo test --test browser`";
const YEAR = 2023;

const session = phoneSession(SITE_DIR, skip);

/** A fresh page that fails the test on any script error. */
async function open(url) {
  const page = await session.browser.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(url);
  return { page, errors };
}

/** Whether the document scrolls sideways at the phone's width. */
async function scrollsSideways(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1);
}

/** The case ids of the front page's contents, in their order. */
async function contents(page) {
  return page.$$eval(".toc-cases a", (links) => links.map((a) => a.hash.replace(/^#case-/, "")));
}

test("the chapters walk the whole book on a phone", { skip, timeout: 120_000 }, async () => {
  const front = `${session.origin}/compilation/${YEAR}/`;
  const { page, errors } = await open(front);
  const expected = await contents(page);
  assert.ok(expected.length >= 3, `${expected}`);
  assert.equal(await scrollsSideways(page), false, "the front page scrolls sideways");
  await page.click(".toc-parts > li > a.toc-part[href^='parts/']");
  const seen = [];
  const chapters = [];
  while (!new URL(page.url()).pathname.endsWith("/indices/")) {
    const path = new URL(page.url()).pathname;
    assert.ok(path.startsWith(`/compilation/${YEAR}/parts/`), path);
    assert.ok(!chapters.includes(path), `${path} comes twice`);
    chapters.push(path);
    seen.push(...(await page.$$eval("article.book-case", (cases) => cases.map((c) => c.dataset.caseId))));
    assert.equal(await scrollsSideways(page), false, `${path} scrolls sideways`);
    const next = page.locator(".chapter-nav a[rel=next]");
    const box = await next.boundingBox();
    assert.ok(box.height >= 44, `下一章 on ${path} is ${box.height} px high`);
    await Promise.all([page.waitForURL((url) => url.pathname !== path), next.click()]);
  }
  assert.deepEqual(seen, expected, "every case once, in the contents' order");
  assert.ok(chapters.length >= 2, `${chapters}`);
  assert.equal(await scrollsSideways(page), false, "the indices scroll sideways");
  // The breadcrumb leads back to the front page.
  await Promise.all([page.waitForURL(front), page.click(".book-crumbs a")]);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a link into the one-page book lands in the chapter that holds it", { skip, timeout: 60_000 }, async () => {
  const { page: probe } = await open(`${session.origin}/compilation/${YEAR}/`);
  const ids = await contents(probe);
  await probe.close();
  const last = ids[ids.length - 1];
  for (const [hash, where] of [
    [`#case-${last}`, "/parts/"],
    [`#case-${last}-abstract`, "/parts/"],
    ["#index-district", "/indices/"],
  ]) {
    const { page, errors } = await open(`${session.origin}/compilation/${YEAR}/${hash}`);
    await page.waitForURL((url) => url.pathname.includes(where), { timeout: 10_000 });
    const url = new URL(page.url());
    assert.equal(url.hash, hash);
    const target = await page.evaluate((id) => {
      const element = document.getElementById(id);
      if (!element) return null;
      const box = element.getBoundingClientRect();
      return { top: box.top, height: window.innerHeight };
    }, hash.slice(1));
    assert.ok(target, `${url.pathname} holds ${hash}`);
    assert.ok(target.top >= -1 && target.top < target.height, `${hash} is scrolled into view: ${JSON.stringify(target)}`);
    assert.deepEqual(errors, []);
    await page.close();
  }
  // Anchors the front page holds, or nobody does, stay, without an error
  // (also a fragment that is not percent-encoded UTF-8, or looks like markup).
  for (const hash of ["#toc", "#no-such-case", "#%E0%A4%A", "#%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E", "#case-"]) {
    const { page, errors } = await open(`${session.origin}/compilation/${YEAR}/${hash}`);
    await page.waitForLoadState("load");
    await page.waitForTimeout(300);
    assert.equal(new URL(page.url()).pathname, `/compilation/${YEAR}/`, hash);
    assert.equal(await page.locator("img").count(), 0, hash);
    assert.deepEqual(errors, [], hash);
    await page.close();
  }
});
