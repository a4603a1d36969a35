// The portal essentials of issue 23, in Chromium at 390, 1024 and 1440 px:
//   - the footer shows the configured filings, linked to the filing sites;
//   - 长者模式: the text-size, line-spacing and contrast buttons change the
//     page, are announced, persist across pages, and axe passes in every
//     mode (high contrast also against the 7:1 rule), in dark mode too;
//   - no sideways scroll at 200 % zoom (and with 特大 text on a phone);
//   - the desktop header is one row; a list has its side navigation and a
//     case its contents column;
//   - the overview's chart labels are no larger than the body text;
//   - the share kit's copy buttons copy (clipboard permission granted).
//
// Run by `cargo test --test browser` with the example site built into
// CASEBOOK_SITE_DIR.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

import { serve, openBrowser } from "./lib.mjs";

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve("axe-core/axe.min.js");
const SITE_DIR = process.env.CASEBOOK_SITE_DIR;

const WIDTHS = [390, 1024, 1440];
const device = (width, extra = {}) => ({
  viewport: { width, height: width < 600 ? 844 : 900 },
  deviceScaleFactor: width < 600 ? 2 : 1,
  isMobile: width < 600,
  hasTouch: width < 600,
  ...extra,
});

// A case with figures, tables and code; a list; the overview; the share kit.
const PAGES = ["/", "/industries/automotive/", "/cases/2023-001/", "/overview/", "/cases/2023-001/share/"];

let server;
let origin;

before(async () => {
  assert.ok(SITE_DIR, "CASEBOOK_SITE_DIR must name a built site");
  server = await serve(SITE_DIR);
  origin = `http://127.0.0.1:${server.address().port}`;
});

after(() => server && server.close());

async function withBrowser(dev, run) {
  const browser = await openBrowser(dev, origin);
  try {
    const page = await browser.context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await run(page, browser.context);
    assert.deepEqual(errors, [], "no script errors");
  } finally {
    await browser.close();
  }
}

async function axe(page, rules) {
  await page.addScriptTag({ path: AXE_PATH });
  return page.evaluate(async (rules) => {
    // eslint-disable-next-line no-undef
    const options = rules ? { runOnly: { type: "rule", values: rules } } : {};
    const r = await axe.run(document, { resultTypes: ["violations"], ...options });
    return r.violations
      .filter((v) => rules || v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}) ×${v.nodes.length}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
  }, rules);
}

const bodyFontSize = (page) =>
  page.evaluate(() => parseFloat(getComputedStyle(document.querySelector("main p, main li, main") || document.body).fontSize));

const sidewaysScroll = (page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

async function openTools(page) {
  const tools = page.locator("#reading-tools");
  if (!(await tools.evaluate((d) => d.open))) await page.locator("#reading-tools summary").click();
}

/** Press the reading-tools button of `kind` that sets `value` ("" = 标准). */
async function press(page, kind, value) {
  await openTools(page);
  await page.locator(`button[data-reading="${kind}"][data-value="${value}"]`).click();
}

test("the footer shows the configured filings with the right links", async () => {
  for (const width of WIDTHS) {
    await withBrowser(device(width), async (page) => {
      for (const path of ["/", "/cases/2023-001/"]) {
        await page.goto(origin + path);
        const footer = page.locator(".site-footer .footer-identity");
        await footer.scrollIntoViewIfNeeded();
        assert.ok(await footer.isVisible(), `${width} ${path}: identity visible`);
        const text = await footer.innerText();
        for (const expect of ["主办单位：", "承办单位：", "网站标识码：", "沪ICP备00000000号-1", "沪公网安备31000000000000号"]) {
          assert.ok(text.includes(expect), `${width} ${path}: ${expect} in ${text}`);
        }
        assert.equal(await footer.locator("a.filing-icp").getAttribute("href"), "https://beian.miit.gov.cn/");
        assert.equal(
          await footer.locator("a.filing-police").getAttribute("href"),
          "https://beian.mps.gov.cn/#/query/webSearch?code=31000000000000",
        );
        const badge = footer.locator("a.filing-police img");
        assert.ok(await badge.evaluate((img) => img.complete && img.naturalWidth > 0), "badge loaded from the site");
        const box = await footer.locator("a.filing-icp").boundingBox();
        assert.ok(box.height >= 24, `${width}: ICP link is a usable target (${box.height} px)`);
      }
    });
  }
});

test("text size, spacing and contrast change the page, persist and pass axe", { timeout: 600_000 }, async () => {
  for (const width of WIDTHS) {
    await withBrowser(device(width), async (page) => {
      await page.goto(origin + "/");
      const standard = await bodyFontSize(page);
      assert.ok(standard >= 16, `${width}: standard body text ${standard}`);

      await press(page, "text", "large");
      assert.ok((await bodyFontSize(page)) >= 18, `${width}: 大 gives ≥ 18 px`);
      assert.equal(await page.locator('button[data-reading="text"][data-value="large"]').getAttribute("aria-pressed"), "true");
      assert.equal(await page.locator('button[data-reading="text"][data-value=""]').getAttribute("aria-pressed"), "false");
      assert.match(await page.locator("#reading-status").innerText(), /字号已设为“大”/);

      await press(page, "text", "xlarge");
      assert.ok((await bodyFontSize(page)) >= 22, `${width}: 特大 gives ≥ 22 px`);
      await press(page, "spacing", "wide");
      await press(page, "contrast", "high");
      const lineHeight = await page.evaluate(() => {
        const p = document.querySelector("main p");
        return parseFloat(getComputedStyle(p).lineHeight) / parseFloat(getComputedStyle(p).fontSize);
      });
      assert.ok(lineHeight >= 2, `${width}: wide spacing (${lineHeight})`);

      // Every page after this one opens in the chosen mode, already set
      // before the first paint (the attribute is there at DOMContentLoaded).
      for (const path of PAGES) {
        const response = page.waitForEvent("domcontentloaded");
        await page.goto(origin + path);
        await response;
        const mode = await page.evaluate(() => [...document.documentElement.attributes].filter((a) => a.name.startsWith("data-")).map((a) => `${a.name}=${a.value}`).sort().join(" "));
        assert.equal(mode, "data-contrast=high data-spacing=wide data-text=xlarge", `${width} ${path}`);
        assert.ok((await bodyFontSize(page)) >= 22, `${width} ${path}: text stays 特大`);
        assert.ok((await sidewaysScroll(page)) <= 0, `${width} ${path}: no sideways scroll with 特大 text`);
        assert.deepEqual(await axe(page), [], `${width} ${path}: axe in high contrast, 特大, wide`);
        assert.deepEqual(await axe(page, ["color-contrast-enhanced"]), [], `${width} ${path}: 7:1 in high contrast`);
      }

      // Back to standard: the choice is cleared everywhere.
      await press(page, "text", "");
      await press(page, "spacing", "");
      await press(page, "contrast", "");
      await page.goto(origin + "/overview/");
      assert.equal(await page.evaluate(() => document.documentElement.getAttributeNames().filter((n) => n.startsWith("data-")).length), 0);
      assert.ok(Math.abs((await bodyFontSize(page)) - standard) < 0.5, "standard size again");
      for (const path of PAGES) {
        await page.goto(origin + path);
        assert.deepEqual(await axe(page), [], `${width} ${path}: axe in the standard mode`);
      }
    });
  }
});

test("large text alone and dark mode pass axe", { timeout: 600_000 }, async () => {
  await withBrowser(device(390, { colorScheme: "dark" }), async (page) => {
    await page.goto(origin + "/");
    const paper = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(paper, "rgb(255, 255, 255)", "dark mode follows prefers-color-scheme");
    for (const path of PAGES) {
      await page.goto(origin + path);
      assert.deepEqual(await axe(page), [], `dark ${path}`);
    }
    await press(page, "text", "large");
    for (const path of PAGES) {
      await page.goto(origin + path);
      assert.deepEqual(await axe(page), [], `dark, 大 ${path}`);
    }
  });
  await withBrowser(device(390, { forcedColors: "none" }), async (page) => {
    await page.emulateMedia({ contrast: "more" });
    await page.goto(origin + "/");
    assert.deepEqual(await axe(page, ["color-contrast-enhanced"]), [], "prefers-contrast: more gives 7:1");
  });
});

test("no sideways scroll at 200 % zoom", { timeout: 300_000 }, async () => {
  // 200 % of a 1280 px window is a 640 px layout; of a 1024 px one, 512.
  for (const width of [640, 512]) {
    await withBrowser(device(width, { isMobile: false, hasTouch: false, deviceScaleFactor: 2 }), async (page) => {
      for (const path of PAGES) {
        await page.goto(origin + path);
        assert.ok((await sidewaysScroll(page)) <= 0, `${width} ${path}: scrolls sideways`);
      }
    });
  }
});

test("keyboard: skip link first, focus always visible", async () => {
  await withBrowser(device(1024), async (page) => {
    await page.goto(origin + "/cases/2023-001/");
    await page.keyboard.press("Tab");
    const first = await page.evaluate(() => [document.activeElement.className, document.activeElement.getAttribute("href")]);
    assert.deepEqual(first, ["skip-link", "#main"]);
    for (let i = 0; i < 14; i++) {
      const outline = await page.evaluate(() => {
        const s = getComputedStyle(document.activeElement);
        const after = getComputedStyle(document.activeElement, "::after");
        return Math.max(parseFloat(s.outlineWidth) || 0, parseFloat(after.outlineWidth) || 0) * (s.outlineStyle === "none" && after.outlineStyle === "none" ? 0 : 1);
      });
      const name = await page.evaluate(() => document.activeElement.outerHTML.slice(0, 80));
      assert.ok(outline >= 2, `focus visible on ${name}`);
      await page.keyboard.press("Tab");
    }
    // The reading tools open and work from the keyboard.
    await page.locator("#reading-tools summary").focus();
    await page.keyboard.press("Enter");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.documentElement.dataset.text), "large");
  });
});

test("desktop: one-row header, side navigation, contents that follow", async () => {
  for (const width of [1024, 1440]) {
    await withBrowser(device(width), async (page) => {
      for (const path of PAGES) {
        await page.goto(origin + path);
        const rows = await page.evaluate(() => {
          const parts = [".brand", ".site-nav", ".site-search", ".reading-tools > summary"].map((s) => document.querySelector(`.header-inner ${s}`));
          return parts.filter(Boolean).map((e) => {
            const r = e.getBoundingClientRect();
            return [r.top, r.bottom];
          });
        });
        assert.ok(rows.length >= 3, `${width} ${path}: header parts found`);
        const top = Math.max(...rows.map((r) => r[0]));
        const bottom = Math.min(...rows.map((r) => r[1]));
        assert.ok(top < bottom, `${width} ${path}: header parts share one row: ${JSON.stringify(rows)}`);
        const header = await page.locator(".site-header").boundingBox();
        assert.ok(header.height <= 72, `${width} ${path}: header ${header.height} px tall`);
      }
      await page.goto(origin + "/industries/automotive/");
      const side = page.locator(".side-nav");
      const [sideBox, mainBox] = [await side.boundingBox(), await page.locator(".list-main").boundingBox()];
      assert.ok(sideBox.x + sideBox.width <= mainBox.x, `${width}: side navigation beside the list`);
      assert.equal(await side.locator("a[aria-current]").innerText().then((t) => t.replace(/\s+/g, "")), "汽车1个案例");
      assert.ok((await side.locator("a .count").count()) >= 5, "terms with counts");

      await page.goto(origin + "/cases/2023-001/");
      const toc = page.locator(".case > .toc");
      await page.locator("#metrics").scrollIntoViewIfNeeded();
      await page.waitForFunction(() => document.querySelector('.toc a[aria-current]')?.hash === "#metrics");
      const tocBox = await toc.boundingBox();
      assert.ok(tocBox.y >= 0 && tocBox.y < 100, `${width}: the contents stay in view (${tocBox.y})`);
    });
  }
});

test("overview chart labels are no larger than the body text", async () => {
  for (const width of WIDTHS) {
    await withBrowser(device(width), async (page) => {
      await page.goto(origin + "/overview/");
      const body = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
      const largest = await page.evaluate(() => {
        let max = 0;
        for (const text of document.querySelectorAll("svg.chart text")) {
          const size = parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a;
          max = Math.max(max, size);
        }
        return max;
      });
      assert.ok(largest > 9, `${width}: labels found (${largest})`);
      assert.ok(largest <= body + 0.5, `${width}: largest chart label ${largest} px > body ${body} px`);
    });
  }
});

test("the share kit's buttons copy the link and the text", async () => {
  for (const width of [390, 1024]) {
    await withBrowser(device(width), async (page, context) => {
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
      await page.goto(origin + "/cases/2023-001/share/");
      const link = await page.locator("#share-link").innerText();
      assert.match(link, /^http.*\/c\/2023-001\/?$/);

      await page.getByRole("button", { name: "复制链接" }).click();
      await page.waitForFunction(() => document.querySelector("[data-copy-value] + .share-copied").textContent !== "");
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
      assert.equal(await page.locator("[data-copy-value] + .share-copied").innerText(), "链接已复制");

      await page.getByRole("button", { name: "复制文字" }).click();
      await page.waitForFunction(() => document.querySelector("[data-copy] + .share-copied").textContent !== "");
      const text = await page.evaluate(() => navigator.clipboard.readText());
      assert.equal(text, await page.locator("#share-text").inputValue());
      assert.ok(text.startsWith("【质量标杆案例】") && text.includes(link), text);
      // The enterprise follows a dash: no bracket inside a bracket.
      assert.doesNotMatch(text, /（[^）]*（/, "nested brackets");
      assert.equal(await page.locator("[data-copy] + .share-copied").innerText(), "文字已复制");

      // The breadcrumb's separator never stands alone on a line.
      const crumbs = await page.evaluate(() =>
        [...document.querySelectorAll(".share-kit .breadcrumb li")].map((li) => li.getBoundingClientRect().height),
      );
      assert.ok(crumbs.every((h) => h < 50), `breadcrumb on one line each: ${crumbs}`);
      assert.deepEqual(await axe(page), [], `${width}: share kit axe`);
    });
  }
});

test("case pages: figures in one sequence, code keeps its indentation, pictures enlarge", async () => {
  await withBrowser(device(390), async (page) => {
    await page.goto(origin + "/cases/2023-001/");
    // The metric charts continue the body's figure numbers.
    const labels = await page.locator("figcaption .label").allInnerTexts();
    assert.ok(labels.length >= 2, `${labels}`);
    assert.deepEqual(labels, labels.map((_, i) => `图${i + 1}`), "one sequence");
    assert.ok((await page.locator("#metrics figcaption .label").count()) >= 1, "metric charts are numbered");

    // Year headings never wrap.
    const wrapped = await page.evaluate(() =>
      [...document.querySelectorAll(".prose th, .metric-table th")]
        .filter((th) => /^\d{4}年?$/.test(th.textContent.trim()))
        .filter((th) => {
          const range = document.createRange();
          range.selectNodeContents(th);
          return range.getClientRects().length > 1 || th.getBoundingClientRect().height > 2.4 * parseFloat(getComputedStyle(th).lineHeight);
        })
        .map((th) => th.textContent),
    );
    assert.deepEqual(wrapped, [], "year headings on one line");

    // A figure's picture opens in a dialog and closes with Esc.
    const picture = page.locator(".prose .figure img").first();
    await picture.click();
    const dialog = page.locator("dialog.zoom");
    assert.ok(await dialog.evaluate((d) => d.open), "dialog open");
    assert.ok(await dialog.locator("img").evaluate((img) => img.complete && img.naturalWidth > 0));
    await page.keyboard.press("Escape");
    assert.ok(!(await dialog.evaluate((d) => d.open)), "Esc closes");
    assert.equal(await page.evaluate(() => document.activeElement.closest(".figure") !== null), true, "focus back on the picture");
    await picture.focus();
    await page.keyboard.press("Enter");
    assert.ok(await dialog.evaluate((d) => d.open), "Enter opens");
    assert.deepEqual(await axe(page), [], "axe with the dialog open");
    await page.keyboard.press("Escape");

    await page.goto(origin + "/cases/2023-002/");
    const code = await page.evaluate(() => {
      const pre = document.querySelector("pre.code");
      const lines = pre.textContent.split("\n");
      return {
        whiteSpace: getComputedStyle(pre).whiteSpace,
        overflowX: getComputedStyle(pre).overflowX,
        indented: lines.some((l) => /^\s{2,}\S/.test(l)),
        tabIndex: pre.tabIndex,
        pageScroll: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      };
    });
    assert.equal(code.whiteSpace, "pre");
    assert.equal(code.overflowX, "auto");
    assert.ok(code.indented, "the example's code has indented lines");
    assert.equal(code.tabIndex, 0, "keyboards can scroll it");
    assert.ok(code.pageScroll <= 0, "the page itself does not scroll sideways");
  });
});
