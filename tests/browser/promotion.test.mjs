// What a reader coming from WeChat gets, in headless Chromium at 390×844:
//   - a case page opened from a 公众号 link (`?from=wechat`) loads nothing
//     from another host, logs no console error, and transfers at most
//     100 KB before images (document, CSS, JS, fonts, XHR; the figure is
//     printed, uncompressed and gzip-compressed);
//   - every kind of page works with a hostile campaign query string
//     (`?from=wechat&x=<script>…`): no console error, no other host, no
//     script from the query string run;
//   - short links reach the case with the query string kept;
//   - with [wechat] configured (a copy of the example site), the JS-SDK
//     share cards get the page's title, description, picture and link.
//
// Run by `cargo test --test browser` (tests/browser.rs builds the example
// site and sets CASEBOOK_SITE_DIR), or by hand:
//
//   CASEBOOK_SITE_DIR=/path/to/output CASEBOOK_BIN=target/debug/casebook \
//   CASEBOOK_ROOT=. node --test tests/browser/promotion.test.mjs

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { serve, openBrowser, PHONE } from "./lib.mjs";

const SITE_DIR = process.env.CASEBOOK_SITE_DIR;
const CASE = "/cases/2023-002/";
/** The most a case page may transfer before its images. */
const BUDGET = 100 * 1024;
/** A campaign tag and something a crafted link might carry. */
const HOSTILE = "?from=wechat&x=%3Cscript%3Ewindow.__pwned%3D1%3C%2Fscript%3E&y=\"'><img src=x onerror=window.__pwned=1>";

const servers = [];
const browsers = [];

before(() => {
  assert.ok(SITE_DIR, "set CASEBOOK_SITE_DIR to a built site folder (cargo test --test browser does this)");
  assert.ok(fs.existsSync(path.join(SITE_DIR, "index.html")), `no index.html in ${SITE_DIR}`);
});

after(async () => {
  for (const b of browsers) await b.close();
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
});

async function start({ gzip = false } = {}) {
  const server = await serve(SITE_DIR, { gzip });
  servers.push(server);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await openBrowser(PHONE, origin);
  browsers.push(browser);
  return { origin, context: browser.context };
}

/** Open `url` and record every request, its type and its body size. */
async function load(context, origin, url) {
  const page = await context.newPage();
  const seen = { requests: [], external: [], errors: [], dialogs: [] };
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (u.protocol !== "data:" && u.origin !== origin) seen.external.push(r.url());
  });
  page.on("console", (m) => {
    if (m.type() === "error") seen.errors.push(`${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => seen.errors.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => seen.errors.push(`failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("dialog", (d) => {
    seen.dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  page.on("requestfinished", async (r) => {
    const sizes = await r.sizes().catch(() => null);
    seen.requests.push({ url: r.url(), type: r.resourceType(), body: sizes ? sizes.responseBodySize : 0 });
  });
  const response = await page.goto(origin + url, { waitUntil: "load" });
  await page.waitForLoadState("networkidle");
  return { page, response, seen };
}

/** Bytes of everything but images: document, stylesheets, scripts, fonts,
 *  fetch/XHR (and anything else that is not an image). */
function beforeImages(requests) {
  const counted = requests.filter((r) => r.type !== "image");
  return { bytes: counted.reduce((n, r) => n + r.body, 0), counted };
}

test("a case page from a WeChat article on a phone: local only, no errors, ≤ 100 KB before images", { timeout: 120_000 }, async () => {
  const figures = {};
  for (const gzip of [false, true]) {
    const { origin, context } = await start({ gzip });
    const { page, response, seen } = await load(context, origin, CASE + "?from=wechat");
    assert.equal(response.status(), 200);
    assert.deepEqual(seen.external, [], "requests to another host");
    assert.deepEqual(seen.errors, [], "console errors");
    const viewport = await page.evaluate(() => [window.innerWidth, window.innerHeight]);
    assert.deepEqual(viewport, [390, 844]);
    const { bytes, counted } = beforeImages(seen.requests);
    assert.ok(counted.some((r) => r.type === "document"), "the document was counted");
    assert.ok(counted.some((r) => r.type === "stylesheet"), "the stylesheet was counted");
    const list = counted.map((r) => `${new URL(r.url).pathname} ${r.type} ${r.body}`).join(", ");
    const images = seen.requests.filter((r) => r.type === "image").reduce((n, r) => n + r.body, 0);
    figures[gzip ? "gzip" : "plain"] = bytes;
    console.log(`${CASE}?from=wechat ${gzip ? "gzip" : "uncompressed"}: ${bytes} bytes before images (${list}); images ${images} bytes`);
    assert.ok(bytes <= BUDGET, `${bytes} bytes before images > ${BUDGET}: ${list}`);
    await page.close();
  }
  console.log(`case page before images: ${(figures.plain / 1024).toFixed(1)} KB uncompressed, ${(figures.gzip / 1024).toFixed(1)} KB gzip`);
});

/** One page of each kind, as they might be linked from a campaign. */
const PAGES = [
  ["home", "/"],
  ["case", CASE],
  ["share kit", `${CASE}share/`],
  ["area list", "/areas/"],
  ["area term", "/areas/digital-transformation/"],
  ["year term", "/years/2023/"],
  ["method term", "/methods/six-sigma/"],
  ["page", "/about/"],
  ["search (no query)", "/search/"],
];

test("every kind of page works with a hostile campaign query string", { timeout: 180_000 }, async (t) => {
  const { origin, context } = await start();
  for (const [name, url] of PAGES) {
    await t.test(name, async () => {
      const { page, response, seen } = await load(context, origin, url + HOSTILE);
      assert.equal(response.status(), 200, url);
      assert.deepEqual(seen.external, [], `${url}: requests to another host`);
      assert.deepEqual(seen.errors, [], `${url}: console errors`);
      assert.deepEqual(seen.dialogs, [], `${url}: dialogs`);
      const state = await page.evaluate(() => ({
        pwned: window.__pwned,
        h1: document.querySelector("h1")?.textContent.trim(),
        canonical: document.querySelector('link[rel="canonical"]')?.getAttribute("href"),
        // Nothing from the query string may have become markup (the one
        // inline script of the theme, which applies 长者模式 before the
        // first paint, is marked as the theme's).
        injected: document.querySelectorAll('img[src="x"], script:not([src]):not([type="application/ld+json"]):not([type="application/json"]):not([data-casebook="reading"])').length,
      }));
      assert.equal(state.pwned, undefined, `${url}: script from the query string ran`);
      assert.equal(state.injected, 0, `${url}: markup from the query string`);
      assert.ok(state.h1, `${url}: no heading`);
      assert.ok(state.canonical && !state.canonical.includes("?"), `${url}: canonical ${state.canonical}`);
      await page.close();
    });
  }

  await t.test("search with a hostile query", async () => {
    const hostile = "<img src=x onerror=window.__pwned=1>六西格玛";
    for (const [query, findsCases] of [
      [`?q=${encodeURIComponent(hostile)}&from=wechat`, false],
      [`?q=${encodeURIComponent("六西格玛")}&from=wechat&x=%3Cscript%3E&area=%3Cscript%3E`, false],
      [`?q=${encodeURIComponent("六西格玛")}&from=wechat&x=%3Cscript%3E`, true],
    ]) {
      const { page, seen } = await load(context, origin, `/search/${query}`);
      await page.waitForSelector("#search-results[data-ready]", { state: "attached", timeout: 20_000 });
      assert.deepEqual(seen.external, [], query);
      assert.deepEqual(seen.errors, [], query);
      assert.deepEqual(seen.dialogs, [], query);
      const state = await page.evaluate(() => ({
        pwned: window.__pwned,
        injected: document.querySelectorAll('img[src="x"]').length,
        value: document.querySelector("#search-q").value,
        status: document.querySelector("#search-status").textContent.trim(),
        hits: document.querySelectorAll("#search-results li.card").length,
      }));
      assert.equal(state.pwned, undefined, query);
      assert.equal(state.injected, 0, query);
      assert.ok(state.status, `${query}: the search says what it found`);
      if (query.includes("img")) assert.equal(state.value, hostile, "the query is shown as text");
      if (findsCases) assert.ok(state.hits >= 3, `${query}: 六西格玛 still finds cases (${state.hits})`);
      await page.close();
    }
  });

  for (const [name, url] of [
    ["short link", "/c/2023-002"],
    ["short link .html", "/c/2023-002.html"],
  ]) {
    await t.test(`${name} keeps the campaign tag on the way to the case`, async () => {
      const { page, seen } = await load(context, origin, `${url}?from=poster-2024#metrics`);
      await page.waitForURL((u) => u.pathname === CASE);
      const landed = new URL(page.url());
      assert.equal(landed.pathname, CASE);
      assert.equal(landed.search, "?from=poster-2024");
      assert.equal(landed.hash, "#metrics");
      assert.deepEqual(seen.external, []);
      assert.deepEqual(seen.errors, []);
      await page.close();
    });
  }
});

// With [wechat] configured: the page loads WeChat's SDK (here a stand-in
// served in its place, recording calls: nothing leaves the machine) and
// wechat.js, which signs the page through the site's endpoint (answered
// here by the test) and sets the share cards from the page's meta tags.
test("WeChat JS-SDK share cards when [wechat] is configured", { timeout: 120_000 }, async (t) => {
  const BIN = process.env.CASEBOOK_BIN;
  const ROOT = process.env.CASEBOOK_ROOT;
  if (!BIN || !ROOT) {
    t.skip("set CASEBOOK_BIN and CASEBOOK_ROOT to build a [wechat] copy of the example site");
    return;
  }
  const SDK = "https://res.wx.qq.com/open/js/jweixin-1.6.0.js";
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "casebook-wechat-"));
  try {
    for (const part of ["content", "themes", "casebook.toml"]) {
      fs.cpSync(path.join(ROOT, part), path.join(work, part), { recursive: true });
    }
    fs.appendFileSync(
      path.join(work, "casebook.toml"),
      '\n[wechat]\napp_id = "wx0123456789abcdef"\nsignature_endpoint = "/api/wechat-signature"\n',
    );
    const site = path.join(work, "site");
    execFileSync(BIN, ["build", "--root", work, "--output", site], { stdio: "pipe" });

    const server = await serve(site);
    servers.push(server);
    const origin = `http://127.0.0.1:${server.address().port}`;
    const browser = await openBrowser(PHONE, origin);
    browsers.push(browser);
    const { context } = browser;
    const signed = [];
    // Registered after openBrowser's catch-all, so these answer first.
    await context.route(SDK, (route) =>
      route.fulfill({
        contentType: "text/javascript",
        body: `window.wx = {
          calls: [],
          config(o) { this.calls.push(["config", o]); setTimeout(() => this.onReady && this.onReady(), 0); },
          ready(f) { this.onReady = f; },
          error(f) { this.calls.push(["error-handler"]); },
          updateAppMessageShareData(d) { this.calls.push(["appMessage", d]); },
          updateTimelineShareData(d) { this.calls.push(["timeline", d]); },
        };`,
      }),
    );
    await context.route(`${origin}/api/wechat-signature?*`, (route) => {
      signed.push(new URL(route.request().url()).searchParams.get("url"));
      route.fulfill({
        contentType: "application/json",
        body: JSON.stringify({ appId: "wx0123456789abcdef", timestamp: 1700000000, nonceStr: "n0nce", signature: "f00d" }),
      });
    });

    for (const [pagePath, query] of [
      [CASE, "?from=wechat-article&isappinstalled=0"],
      ["/", "?from=timeline"],
    ]) {
      const { page, seen } = await load(context, origin, `${pagePath}${query}#top`);
      await page.waitForFunction(() => window.wx && window.wx.calls.some((c) => c[0] === "timeline"), null, { timeout: 10_000 });
      const calls = await page.evaluate(() => window.wx.calls);
      const head = await page.evaluate(() => ({
        title: document.querySelector('meta[property="og:title"]').content,
        desc: document.querySelector('meta[property="og:description"]').content,
        image: document.querySelector('meta[property="og:image"]').content,
        canonical: document.querySelector('link[rel="canonical"]').href,
      }));
      assert.deepEqual(seen.external, [SDK], `${pagePath}: only the SDK comes from another host`);
      assert.deepEqual(seen.errors, [], `${pagePath}: console errors`);
      assert.equal(signed.at(-1), `${origin}${pagePath}${query}`, "the signed URL is the page's, without #…");
      const config = calls.find((c) => c[0] === "config")[1];
      assert.equal(config.appId, "wx0123456789abcdef");
      assert.equal(config.signature, "f00d");
      assert.deepEqual(config.jsApiList, ["updateAppMessageShareData", "updateTimelineShareData"]);
      const link = pagePath === CASE ? `${head.canonical}?from=wechat-article` : head.canonical;
      assert.deepEqual(calls.find((c) => c[0] === "appMessage")[1], { title: head.title, desc: head.desc, link, imgUrl: head.image });
      assert.deepEqual(calls.find((c) => c[0] === "timeline")[1], { title: head.title, link, imgUrl: head.image });
      // Absolute, below the site's base_url (this copy keeps the example's).
      assert.match(head.image, /^https:\/\/casebook\.example\.org\/(img\/share\/|cases\/)/);
      await page.close();
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
