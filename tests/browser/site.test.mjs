// Browser checks of a built Casebook site, as a reader on a phone sees it.
//
// Run by `cargo test --test browser` (tests/browser.rs builds the example
// site and sets CASEBOOK_SITE_DIR), or by hand:
//
//   CASEBOOK_SITE_DIR=/path/to/output node --test tests/browser/
//
// The site is served by a small static server on 127.0.0.1 and opened in
// Debian's Chromium (/usr/bin/chromium, or CASEBOOK_CHROMIUM) through
// playwright-core with a fresh profile. At 390×844 (phone, DPR 2, touch) it
// opens the home page, a case with a figure, tables and code, an area term
// page, the same case with WeChat's share query string, and a missing page;
// at 1280 px the home and case pages. For each it asserts that:
//   - every request goes to the local server (no CDN, web font, analytics);
//   - there is no console error, page error, failed request or HTTP error;
//   - the document does not scroll sideways at 390 px (wide tables and code
//     scroll inside their own box instead);
//   - the Chinese text is drawn with a CJK font (not tofu);
//   - every image loaded;
//   - primary navigation links are at least 44×44 px;
//   - axe-core reports no serious or critical violation.
// Full-page screenshots go to a temporary folder whose path is printed.
// Then every HTML page (redirect stubs aside) is opened at 390 px and
// checked for foreign requests, errors, sideways scroll and axe results.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

import { chromium } from "playwright-core";

import { serve, CHROMIUM, CHROMIUM_ARGS, PHONE } from "./lib.mjs";

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve("axe-core/axe.min.js");

const DESKTOP = {
  viewport: { width: 1280, height: 800 },
  deviceScaleFactor: 1,
  isMobile: false,
  hasTouch: false,
};

// The share link WeChat produces when a page is forwarded to a chat.
const WECHAT_QUERY = "?from=singlemessage&isappinstalled=0";

const SITE_DIR = process.env.CASEBOOK_SITE_DIR;

// --------------------------------------------------------------- browser

let server;
let origin;
let shotDir;
const contexts = [];
const profiles = [];

/** A browser with a fresh profile of its own, emulating `device`. */
async function openBrowser(device) {
  const profile = await fsp.mkdtemp(path.join(os.tmpdir(), "casebook-chromium-"));
  profiles.push(profile);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    locale: "zh-CN",
    timezoneId: "Asia/Shanghai",
    serviceWorkers: "block",
    ...device,
  });
  contexts.push(context);
  // Nothing may leave the machine: anything not for the local server is
  // aborted here (and reported by the request listener of the page).
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.origin === origin || url.protocol === "data:") return route.continue();
    return route.abort("blockedbyclient");
  });
  return context;
}

before(async () => {
  assert.ok(
    SITE_DIR,
    "set CASEBOOK_SITE_DIR to a built site folder (cargo test --test browser does this)",
  );
  assert.ok(
    fs.existsSync(path.join(SITE_DIR, "index.html")),
    `no index.html in CASEBOOK_SITE_DIR=${SITE_DIR}: build the site first`,
  );
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk`);
  server = await serve(SITE_DIR);
  origin = `http://127.0.0.1:${server.address().port}`;
  // Screenshots are kept only in a folder named by CASEBOOK_SCREENSHOTS;
  // otherwise they go to a temporary one removed at the end (6 MB a run).
  shotDir = process.env.CASEBOOK_SCREENSHOTS
    ? path.resolve(process.env.CASEBOOK_SCREENSHOTS)
    : await fsp.mkdtemp(path.join(os.tmpdir(), "casebook-screenshots-"));
  await fsp.mkdir(shotDir, { recursive: true });
  console.log(`serving ${SITE_DIR} at ${origin}`);
});

after(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  for (const profile of profiles) await fsp.rm(profile, { recursive: true, force: true });
  if (server) await new Promise((resolve) => server.close(resolve));
  if (shotDir && process.env.CASEBOOK_SCREENSHOTS) console.log(`screenshots: ${shotDir}`);
  else if (shotDir) await fsp.rm(shotDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------- checks

/** Open `pathAndQuery`, collect everything that went wrong on the way. */
async function visit(context, pathAndQuery, { settle = true } = {}) {
  const page = await context.newPage();
  const problems = { external: [], consoleErrors: [], failed: [], httpErrors: [] };
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.protocol === "data:") return;
    if (url.protocol !== "http:" || url.hostname !== "127.0.0.1" || url.origin !== origin) {
      problems.external.push(request.url());
    }
  });
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.consoleErrors.push({ text: msg.text(), url: msg.location().url });
  });
  page.on("pageerror", (err) => problems.consoleErrors.push({ text: `page error: ${err.message}`, url: "" }));
  page.on("requestfailed", (request) => {
    problems.failed.push(`${request.url()}: ${request.failure()?.errorText}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) problems.httpErrors.push(`${response.status()} ${response.url()}`);
  });
  const response = await page.goto(origin + pathAndQuery, { waitUntil: "load" });
  if (!settle) return { page, response, problems };
  // Bring lazily loaded images in, then settle.
  await page.evaluate(async () => {
    const step = Math.max(200, window.innerHeight - 100);
    for (let y = 0; y < document.documentElement.scrollHeight; y += step) {
      window.scrollTo(0, y);
      await new Promise((r) => setTimeout(r, 30));
    }
    window.scrollTo(0, 0);
  });
  await page.waitForLoadState("networkidle");
  await page.evaluate(() => document.fonts.ready);
  return { page, response, problems };
}

/** Elements that stick out of the viewport without being inside a box that
 *  scrolls sideways: what makes the whole page scroll. */
async function overflowReport(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const scrolls = (el) => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (o === "auto" || o === "scroll" || o === "hidden" || o === "clip") return true;
      }
      return false;
    };
    const out = [];
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.right <= width + 0.5 || scrolls(el)) continue;
      const id = el.id ? `#${el.id}` : "";
      const cls = el.classList.length ? `.${[...el.classList].join(".")}` : "";
      out.push(`${el.tagName.toLowerCase()}${id}${cls} right=${Math.round(r.right)}`);
      if (out.length >= 15) break;
    }
    return {
      viewport: width,
      innerWidth: window.innerWidth,
      scrollWidth: document.documentElement.scrollWidth,
      offenders: out,
    };
  });
}

/** Wide tables and code blocks: each must fit the viewport itself and
 *  scroll its content sideways inside. */
async function scrollBoxes(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const boxes = [...document.querySelectorAll(".table-wrap, pre")];
    return boxes.map((box) => {
      const r = box.getBoundingClientRect();
      const overflowX = getComputedStyle(box).overflowX;
      return {
        what: box.matches("pre") ? "pre" : `.table-wrap > ${box.firstElementChild?.className || "table"}`,
        fits: r.left >= -0.5 && r.right <= width + 0.5,
        wide: box.scrollWidth > box.clientWidth + 1,
        scrolls: overflowX === "auto" || overflowX === "scroll",
        right: Math.round(r.right),
        scrollWidth: box.scrollWidth,
      };
    });
  });
}

const CJK = /[\u3400-\u9fff]/;

/** The platform fonts Chromium actually used to draw `selector`'s text. */
async function fontsUsedFor(page, selector) {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send("DOM.enable");
    await cdp.send("CSS.enable");
    const { root } = await cdp.send("DOM.getDocument", { depth: 0 });
    const { nodeId } = await cdp.send("DOM.querySelector", { nodeId: root.nodeId, selector });
    assert.ok(nodeId, `no element ${selector}`);
    const { fonts } = await cdp.send("CSS.getPlatformFontsForNode", { nodeId });
    return fonts;
  } finally {
    await cdp.detach().catch(() => {});
  }
}

async function checkChineseRenders(page) {
  const text = await page.locator("h1").first().innerText();
  assert.match(text, CJK, "the page's h1 should hold Chinese text");
  const fonts = await fontsUsedFor(page, "h1");
  const cjkFonts = fonts.filter((f) => /CJK|Han Sans|Han Serif|Hei|Song|Kai|Ming|PingFang|YaHei|WenQuanYi|Droid Sans Fallback/i.test(f.familyName));
  const cjkGlyphs = cjkFonts.reduce((n, f) => n + f.glyphCount, 0);
  const cjkChars = [...text].filter((c) => CJK.test(c)).length;
  assert.ok(
    cjkGlyphs >= cjkChars,
    `Chinese text of h1 is not drawn with a CJK font (fonts-noto-cjk installed?): ` +
      `${cjkChars} CJK characters, fonts used ${JSON.stringify(fonts)}`,
  );
  // And the rendering is sane: the CJK glyphs are square-ish and not all one
  // width-less tofu.
  const box = await page.evaluate(() => {
    const h1 = document.querySelector("h1");
    const range = document.createRange();
    range.selectNodeContents(h1);
    const r = range.getBoundingClientRect();
    return { width: r.width, height: r.height, fontSize: parseFloat(getComputedStyle(h1).fontSize) };
  });
  assert.ok(box.width > box.fontSize * 2, `h1 text has no width: ${JSON.stringify(box)}`);
}

async function checkImagesLoaded(page) {
  const broken = await page.evaluate(() =>
    [...document.images].filter((img) => !img.complete || img.naturalWidth === 0).map((img) => img.currentSrc || img.src),
  );
  assert.ok(broken.length === 0, `images that did not load: ${broken.join(", ")}`);
}

async function checkNavTargets(page) {
  const small = await page.evaluate(() =>
    [...document.querySelectorAll(".site-nav a")]
      .map((a) => {
        const r = a.getBoundingClientRect();
        return { text: a.textContent.trim(), width: Math.round(r.width), height: Math.round(r.height) };
      })
      .filter((t) => t.width < 44 || t.height < 44),
  );
  assert.ok(
    small.length === 0,
    `primary navigation links smaller than 44×44 px: ${small.map((t) => `${t.text} ${t.width}×${t.height}`).join(", ")}`,
  );
}

async function runAxe(page, name) {
  await page.addScriptTag({ path: AXE_PATH });
  const results = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
      count: v.nodes.length,
    }));
  });
  for (const v of results) {
    console.log(`${name}: axe ${v.impact}: ${v.id} ×${v.count}: ${v.help}`);
  }
  return results.filter((v) => v.impact === "serious" || v.impact === "critical");
}

async function screenshot(page, name) {
  const file = path.join(shotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Run `check`; a failed assertion is collected instead of stopping, so one
 *  run reports everything that is wrong with a page. */
async function soft(failures, label, check) {
  try {
    await check();
  } catch (err) {
    failures.push(`${label}: ${err.message}`);
  }
}

/** Everything that holds for every page. */
async function checkPage(context, name, pathAndQuery, { status = 200, width } = {}) {
  const { page, response, problems } = await visit(context, pathAndQuery);
  const failures = [];
  const shot = await screenshot(page, name);
  console.log(`${name}: ${shot}`);

  await soft(failures, "status", () =>
    assert.equal(response.status(), status, `${pathAndQuery} answered ${response.status()}`),
  );
  await soft(failures, "network", () => {
    const expectedHttpErrors = status >= 400 ? [`${status} ${origin}${pathAndQuery}`] : [];
    const list = (items) => items.join(", ");
    assert.ok(problems.external.length === 0, `requests to another host: ${list(problems.external)}`);
    assert.ok(problems.failed.length === 0, `failed requests: ${list(problems.failed)}`);
    assert.equal(list(problems.httpErrors), list(expectedHttpErrors), "HTTP errors (404s)");
  });
  await soft(failures, "console", () => {
    // Chromium logs the expected 404 of a missing page's own document.
    const errors = problems.consoleErrors
      .filter((e) => !(status >= 400 && e.url === origin + pathAndQuery && e.text.includes(`status of ${status}`)))
      .map((e) => `${e.text}${e.url ? ` (${e.url})` : ""}`);
    assert.ok(errors.length === 0, `console errors: ${errors.join(" | ")}`);
  });
  await soft(failures, "layout", async () => {
    const overflow = await overflowReport(page);
    assert.ok(
      overflow.scrollWidth <= width,
      `the page scrolls sideways: scrollWidth ${overflow.scrollWidth} > ${width}; ` +
        `sticking out: ${overflow.offenders.join(", ") || "(none found)"}`,
    );
    for (const box of await scrollBoxes(page)) {
      assert.ok(box.fits, `${box.what} is wider than the viewport (right edge ${box.right})`);
      if (box.wide) assert.ok(box.scrolls, `${box.what} is wide (${box.scrollWidth}px) but does not scroll`);
    }
  });
  await soft(failures, "chinese text", () => checkChineseRenders(page));
  await soft(failures, "images", () => checkImagesLoaded(page));
  await soft(failures, "tap targets", () => checkNavTargets(page));
  await soft(failures, "axe", async () => {
    const serious = await runAxe(page, name);
    assert.ok(
      serious.length === 0,
      "serious or critical violations:\n" +
        serious.map((v) => `    ${v.id} (${v.impact}, ${v.count}×): ${v.help}; e.g. ${v.nodes.join(" | ")}`).join("\n"),
    );
  });

  if (failures.length) {
    await page.close();
    assert.fail(`${pathAndQuery} (${name}):\n  - ${failures.join("\n  - ")}`);
  }
  return page;
}

// ----------------------------------------------------------------- tests

const CASE = "/cases/2023-002/";
const AREA_TERM = "/areas/digital-transformation/";

test("phone, 390 px", { timeout: 180_000 }, async (t) => {
  const context = await openBrowser(PHONE);
  const width = PHONE.viewport.width;

  await t.test("home page and its area × industry matrix", async () => {
    const page = await checkPage(context, "phone-home", "/", { width });
    const matrix = await page.evaluate(() => {
      const table = document.querySelector("table.matrix");
      const wrap = table.closest(".table-wrap");
      return {
        columns: table.querySelectorAll("thead th").length,
        wrapWidth: wrap.clientWidth,
        tableWidth: table.scrollWidth,
        overflowX: getComputedStyle(wrap).overflowX,
      };
    });
    assert.ok(matrix.columns >= 6, `matrix has ${matrix.columns} header cells (an area a column)`);
    assert.ok(["auto", "scroll"].includes(matrix.overflowX), "matrix wrapper scrolls sideways");
    // Scrolling the wrapper must not move the page.
    await page.evaluate(() => {
      document.querySelector("table.matrix").closest(".table-wrap").scrollLeft = 10000;
    });
    const after = await page.evaluate(() => ({
      pageX: window.scrollX,
      scrollWidth: document.documentElement.scrollWidth,
    }));
    assert.equal(after.pageX, 0);
    assert.ok(after.scrollWidth <= width);
    await page.close();
  });

  await t.test("case page with figure, tables and code", async () => {
    const page = await checkPage(context, "phone-case", CASE, { width });
    const parts = await page.evaluate(() => ({
      figures: document.querySelectorAll("figure img").length,
      tables: document.querySelectorAll(".prose table").length,
      metrics: document.querySelectorAll("table.metric-table").length,
      code: document.querySelectorAll("pre code").length,
      profile: document.querySelectorAll("#enterprise-card dt").length,
    }));
    assert.ok(parts.figures >= 1, "case has a figure");
    assert.ok(parts.tables >= 1, "case has a table");
    assert.ok(parts.code >= 1, "case has a code block");
    assert.ok(parts.metrics >= 1, "case has metric tables");
    assert.ok(parts.profile >= 3, "case has an enterprise profile");
    // Figures are scaled to the column, never wider than the viewport.
    const wideFigures = await page.evaluate(() =>
      [...document.querySelectorAll("figure img")]
        .filter((img) => img.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
        .map((img) => img.src),
    );
    assert.deepEqual(wideFigures, [], "figures wider than the viewport");
    await page.close();
  });

  await t.test("case page metric charts fit 390 px", async () => {
    const page = await checkPage(context, "phone-case-charts", CASE, { width });
    const charts = await page.evaluate(() => {
      const vw = document.documentElement.clientWidth;
      return {
        vw,
        scrollWidth: document.documentElement.scrollWidth,
        boxes: [...document.querySelectorAll("#metrics figure.chart-figure svg.chart")].map((svg) => {
          const r = svg.getBoundingClientRect();
          // The smallest label as drawn: font size × the SVG's scale.
          const scale = r.width / svg.viewBox.baseVal.width;
          const sizes = [...svg.querySelectorAll("text")].map((t) => parseFloat(getComputedStyle(t).fontSize));
          return { left: r.left, right: r.right, width: r.width, height: r.height, smallestText: Math.min(...sizes) * scale };
        }),
      };
    });
    assert.ok(charts.boxes.length >= 1, "the case page has metric charts");
    assert.ok(charts.scrollWidth <= width, `the page scrolls sideways (${charts.scrollWidth}px)`);
    for (const box of charts.boxes) {
      assert.ok(box.left >= -0.5 && box.right <= charts.vw + 0.5, `chart sticks out: ${JSON.stringify(box)}`);
      assert.ok(box.width >= charts.vw * 0.8, `chart uses the column's width: ${JSON.stringify(box)}`);
      assert.ok(box.height > 100, `chart has a height: ${JSON.stringify(box)}`);
      assert.ok(box.smallestText >= 10, `chart labels readable at 390 px: ${JSON.stringify(box)}`);
    }
    const chart = page.locator("#metrics figure.chart-figure").first();
    await chart.scrollIntoViewIfNeeded();
    const file = path.join(shotDir, "phone-case-chart.png");
    await chart.screenshot({ path: file });
    console.log(`phone-case-chart: ${file}`);
    await page.close();
  });

  await t.test("overview page", async () => {
    const page = await checkPage(context, "phone-overview", "/overview/", { width });
    const boxes = await page.evaluate(() =>
      [...document.querySelectorAll("svg.chart")].map((svg) => {
        const r = svg.getBoundingClientRect();
        return { right: r.right, links: svg.querySelectorAll("a").length };
      }),
    );
    assert.ok(boxes.length >= 7, `${boxes.length} charts on the overview`);
    for (const box of boxes) {
      assert.ok(box.right <= width + 0.5, `overview chart sticks out: ${JSON.stringify(box)}`);
      assert.ok(box.links >= 1, "every overview chart links to lists");
    }
    // A bar leads to the list it counts.
    await Promise.all([page.waitForURL(/\/areas\/[a-z-]+\/$/), page.locator("#by-area svg a").first().click()]);
    await page.close();
  });

  await t.test("area term page", async () => {
    const page = await checkPage(context, "phone-area", AREA_TERM, { width });
    assert.ok((await page.locator(".card").count()) >= 1, "term page lists cases");
    await page.close();
  });

  await t.test("case link shared in WeChat (with ?from=singlemessage)", async () => {
    const page = await checkPage(context, "phone-case-wechat", CASE + WECHAT_QUERY, { width });
    const canonical = await page.locator('link[rel="canonical"]').getAttribute("href");
    assert.ok(canonical.endsWith(CASE), `canonical ${canonical} should be the clean case URL`);
    await page.close();
  });

  await t.test("missing page shows the 404 page", async () => {
    const page = await checkPage(context, "phone-404", "/cases/1999-999/", { status: 404, width });
    await page.close();
  });
});

test("desktop, 1280 px", { timeout: 120_000 }, async (t) => {
  const context = await openBrowser(DESKTOP);
  const width = DESKTOP.viewport.width;
  await t.test("home page", async () => {
    const page = await checkPage(context, "desktop-home", "/", { width });
    await page.close();
  });
  await t.test("case page", async () => {
    const page = await checkPage(context, "desktop-case", CASE, { width });
    await page.close();
  });
});

// The static search (/search/, search.js over the shards under search/).
test("search page on a phone", { timeout: 120_000 }, async (t) => {
  const context = await openBrowser(PHONE);
  const width = PHONE.viewport.width;

  /** Open a search URL, wait for the results; the hits (id, link, title,
   *  marked text) and the search files fetched. */
  const searchFor = async (pathAndQuery, { cpuThrottle = 1 } = {}) => {
    const fetched = [];
    const page = await context.newPage();
    if (cpuThrottle > 1) {
      const cdp = await context.newCDPSession(page);
      await cdp.send("Emulation.setCPUThrottlingRate", { rate: cpuThrottle });
    }
    page.on("response", async (response) => {
      const url = new URL(response.url());
      if (url.pathname.startsWith("/search/") && url.pathname.endsWith(".json")) {
        const body = await response.body().catch(() => Buffer.alloc(0));
        fetched.push({ path: url.pathname, bytes: body.length });
      }
    });
    await page.goto(origin + pathAndQuery, { waitUntil: "load" });
    await page.waitForSelector("#search-results[data-ready]", { timeout: 20_000 });
    await page.waitForLoadState("networkidle");
    const hits = await page.$$eval("#search-results li.card", (items) =>
      items.map((li) => ({
        id: li.dataset.id,
        score: Number(li.dataset.score),
        href: li.querySelector("a").getAttribute("href"),
        title: li.querySelector(".card-title").textContent,
        marks: [...li.querySelectorAll("mark")].map((m) => m.textContent),
        headline: li.querySelector(".card-headline")?.textContent || "",
      })),
    );
    const meta = JSON.parse(fs.readFileSync(path.join(SITE_DIR, "search/meta.json"), "utf8"));
    const stats = await page.$eval("#search-results", (r) => ({ ...r.dataset }));
    return { page, hits, fetched, meta, stats };
  };

  await t.test("西格玛 finds the six-sigma cases first, fetching only some shards", async () => {
    const page = await checkPage(context, "phone-search", "/search/?q=" + encodeURIComponent("西格玛"), { width });
    await page.close();
    const { page: p, hits, fetched, meta } = await searchFor("/search/?q=" + encodeURIComponent("西格玛"));
    const sixSigma = ["2022-002", "2023-001", "2024-002"];
    assert.deepEqual(hits.slice(0, 3).map((h) => h.id).sort(), sixSigma, JSON.stringify(hits));
    for (const hit of hits.slice(0, 3)) {
      assert.match(hit.title, /六西格玛/);
      assert.equal(hit.href, `/cases/${hit.id}/`);
      assert.ok(hit.marks.includes("西格玛"), `西格玛 marked in ${JSON.stringify(hit)}`);
      // Result cards carry the headline figure like every other list.
      assert.match(hit.headline, /→/, `headline figure on ${JSON.stringify(hit)}`);
    }
    assert.ok(hits.length >= 3 && hits.length <= meta.docs);
    // Every link leads to a case page that exists.
    for (const hit of hits) assert.ok(fs.existsSync(path.join(SITE_DIR, hit.href, "index.html")), hit.href);
    const shards = fetched.filter((f) => /^\/search\/[0-9a-f]{10}\/s\d+\.json$/.test(f.path));
    assert.ok(meta.shards > 1, "the example site has several shards");
    assert.ok(shards.length >= 1 && shards.length < meta.shards, `fetched ${shards.length} of ${meta.shards} shards`);
    assert.ok(!fetched.some((f) => f.path.endsWith("/meta.json")), "the meta is inlined in the page");
    const bytes = fetched.reduce((n, f) => n + f.bytes, 0);
    console.log(`search 西格玛: ${fetched.length} files, ${bytes} bytes: ${fetched.map((f) => `${f.path} ${f.bytes}`).join(", ")}`);
    await p.close();
  });

  // Speed is measured by bench/search.mjs --browser on a 10,000-case site,
  // not asserted here; this checks the page's own accounting.
  await t.test("a search takes at most 3 round trips and reports its cost", async () => {
    for (const query of ["西格玛", "质量 管理", "数字化质量管控"]) {
      const { page, hits, stats } = await searchFor("/search/?q=" + encodeURIComponent(query), { cpuThrottle: 4 });
      assert.ok(hits.length > 0, query);
      console.log(`search ${query} at 4x throttle: ${stats.searchMs} ms, ${stats.roundTrips} round trips, ${stats.bytes} bytes`);
      assert.ok(Number(stats.searchMs) >= 0, `${query}: ranking time reported`);
      assert.ok(Number(stats.roundTrips) >= 1 && Number(stats.roundTrips) <= 3, `${query}: ${stats.roundTrips} round trips`);
      assert.ok(Number(stats.bytes) > 0 && Number(stats.files) > 0, `${query}: bytes counted`);
      await page.close();
    }
  });

  await t.test("精益 filtered by priority area", async () => {
    const all = await searchFor("/search/?q=" + encodeURIComponent("精益"));
    const filtered = await searchFor("/search/?q=" + encodeURIComponent("精益") + "&area=social-responsibility");
    assert.ok(all.hits.length > filtered.hits.length, `${all.hits.length} vs ${filtered.hits.length}`);
    assert.deepEqual(filtered.hits.map((h) => h.id).sort(), ["2022-003", "2024-004"]);
    const selected = await filtered.page.$eval('select[name="area"]', (s) => s.value);
    assert.equal(selected, "social-responsibility");
    await all.page.close();
    await filtered.page.close();
  });

  await t.test("the header search box leads to the search page", async () => {
    const page = await context.newPage();
    await page.goto(origin + "/", { waitUntil: "load" });
    await page.fill("#site-search-q", "QC小组");
    await Promise.all([page.waitForURL(/\/search\/\?q=/), page.press("#site-search-q", "Enter")]);
    await page.waitForSelector("#search-results[data-ready]");
    const ids = await page.$$eval("#search-results li.card", (items) => items.map((li) => li.dataset.id));
    assert.ok(ids.includes("2023-005"), `QC小组 finds 2023-005: ${ids}`);
    await page.close();
  });
});

/** Every HTML page of the site except redirect stubs, as URL paths. */
function allPages(root) {
  const pages = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith(".html") && entry.name !== "404.html") {
        if (/http-equiv="refresh"/i.test(fs.readFileSync(file, "utf8"))) continue;
        const rel = path.relative(root, file).split(path.sep).join("/");
        pages.push("/" + rel.replace(/(^|\/)index\.html$/, "$1"));
      }
    }
  };
  walk(root);
  return pages.sort();
}

test("every page on a phone: local only, no sideways scroll, axe clean", { timeout: 600_000 }, async () => {
  const context = await openBrowser(PHONE);
  const width = PHONE.viewport.width;
  const failures = [];
  const pages = allPages(SITE_DIR);
  const queue = [...pages];
  // Two tabs at a time: axe takes most of the time, and the machines have
  // two cores.
  const worker = async () => {
    for (let pagePath = queue.shift(); pagePath; pagePath = queue.shift()) await checkOne(pagePath);
  };
  const checkOne = async (pagePath) => {
    const { page, response, problems } = await visit(context, pagePath, { settle: false });
    try {
      const bad = [];
      if (response.status() !== 200) bad.push(`status ${response.status()}`);
      if (problems.external.length) bad.push(`requests to another host: ${problems.external.join(", ")}`);
      if (problems.failed.length) bad.push(`failed requests: ${problems.failed.join(", ")}`);
      if (problems.httpErrors.length) bad.push(`HTTP errors: ${problems.httpErrors.join(", ")}`);
      if (problems.consoleErrors.length) bad.push(`console errors: ${problems.consoleErrors.map((e) => e.text).join(" | ")}`);
      const overflow = await overflowReport(page);
      if (overflow.scrollWidth > width) {
        bad.push(`scrolls sideways (${overflow.scrollWidth}px): ${overflow.offenders.join(", ")}`);
      }
      await page.addScriptTag({ path: AXE_PATH });
      const serious = await page.evaluate(async () => {
        // eslint-disable-next-line no-undef
        const r = await axe.run(document, { resultTypes: ["violations"] });
        return r.violations
          .filter((v) => v.impact === "serious" || v.impact === "critical")
          .map((v) => `${v.id} (${v.nodes.length}×: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")})`);
      });
      if (serious.length) bad.push(`axe: ${serious.join("; ")}`);
      if (bad.length) failures.push(`${pagePath}: ${bad.join("; ")}`);
    } finally {
      await page.close();
    }
  };
  await Promise.all([worker(), worker()]);
  console.log(`checked ${pages.length} pages`);
  assert.ok(pages.length > 10, `only ${pages.length} pages found in ${SITE_DIR}`);
  assert.ok(failures.length === 0, `pages with problems:\n  ${failures.join("\n  ")}`);
});
