// Lighthouse (npm lighthouse@12.2.3, pinned in package.json) on the home
// page and a case page of the example site, with its default mobile
// emulation and throttling, in Debian's Chromium: accessibility, best
// practices and SEO must score at least 0.95, and the page must not shift
// while it loads (cumulative layout shift, a property of the page).
//
// The performance score is printed, not asserted: Lighthouse 12's
// simulated throttling (Lantern) computes paint times from the trace, but
// scales the main thread's observed task times by its 4× CPU slowdown and
// reads speed index from observed frames, so the score moves with this
// machine's load (98–100 on a loaded 2-core machine). That is a speed
// measurement: it belongs to the benchmark, which runs this file with
// CASEBOOK_LIGHTHOUSE_PERFORMANCE=1 to require 0.95 (median of three runs),
// see bench/README.md.
//
// The SEO audits (canonical, is-crawlable, robots.txt) need the site's
// URLs to be the ones it is served at, so this test builds the example site
// itself with `--base-url http://127.0.0.1:PORT/` after starting the
// server on a free port. The server behaves like ordinary static hosting
// with `gzip on` (see lib.mjs); it sends no long cache headers.
//
// Run by `cargo test --test browser` (tests/browser.rs sets CASEBOOK_BIN
// and CASEBOOK_ROOT), or by hand:
//
//   CASEBOOK_BIN=target/debug/casebook CASEBOOK_ROOT=. node --test tests/browser/lighthouse.test.mjs

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { promisify } from "node:util";

import { serve, CHROMIUM } from "./lib.mjs";

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const LIGHTHOUSE = path.join(path.dirname(require.resolve("lighthouse/package.json")), "cli/index.js");

const BIN = process.env.CASEBOOK_BIN;
const ROOT = process.env.CASEBOOK_ROOT;
const CATEGORIES = ["performance", "accessibility", "best-practices", "seo"];
const MIN_SCORE = 0.95;
/** The benchmark's run: the performance score is required too. */
const BENCH = process.env.CASEBOOK_LIGHTHOUSE_PERFORMANCE === "1";
const REQUIRED = BENCH ? CATEGORIES : CATEGORIES.filter((c) => c !== "performance");
const FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update";

let server;
let origin;
let work;

before(async () => {
  assert.ok(BIN && ROOT, "set CASEBOOK_BIN (the casebook binary) and CASEBOOK_ROOT (the example site): cargo test --test browser does");
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk`);
  work = await fsp.mkdtemp(path.join(os.tmpdir(), "casebook-lighthouse-"));
  const site = path.join(work, "site");
  await fsp.mkdir(site);
  await fsp.mkdir(path.join(work, "tmp")); // Chromium's TMPDIR, see lighthouse()
  server = await serve(site, { gzip: true });
  origin = `http://127.0.0.1:${server.address().port}`;
  await run(BIN, ["build", "--root", ROOT, "--output", site, "--base-url", `${origin}/`]);
  assert.ok(fs.existsSync(path.join(site, "index.html")), "the example site was built");
});

after(async () => {
  if (server) await new Promise((resolve) => server.close(resolve));
  if (work) await fsp.rm(work, { recursive: true, force: true });
});

/** Run Lighthouse on `url`; the report's categories and audits. */
async function lighthouse(url, name) {
  const report = path.join(work, `${name}.json`);
  const tmp = path.join(work, "tmp");
  await run(
    process.execPath,
    [
      LIGHTHOUSE,
      url,
      "--output=json",
      `--output-path=${report}`,
      `--only-categories=${CATEGORIES.join(",")}`,
      `--chrome-flags=${FLAGS}`,
      "--quiet",
    ],
    // TMPDIR inside `work`: Chromium leaves its singleton socket's folder
    // there when Lighthouse stops it, and `after` removes `work`.
    {
      env: { ...process.env, CHROME_PATH: CHROMIUM, TMPDIR: tmp },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 150_000,
    },
  );
  return JSON.parse(await fsp.readFile(report, "utf8"));
}

/** Audits that cost points in `category`, for the failure message. */
function losses(result, category) {
  return result.categories[category].auditRefs
    .filter((ref) => ref.weight > 0)
    .map((ref) => result.audits[ref.id])
    .filter((a) => a.score !== null && a.score < 1)
    .map((a) => `${a.id} ${a.score}${a.displayValue ? ` (${a.displayValue})` : ""}`);
}

/** The median of three numbers. */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const [name, pagePath] of [
  ["home", "/"],
  ["list", "/areas/industrial-quality/"],
  ["case", "/cases/2023-002/"],
]) {
  test(`Lighthouse mobile scores ≥ ${MIN_SCORE} on the ${name} page`, { timeout: 400_000 }, async () => {
    const result = await lighthouse(origin + pagePath, name);
    assert.equal(result.configSettings.formFactor, "mobile");
    assert.equal(result.runtimeError, undefined, JSON.stringify(result.runtimeError));
    const scores = Object.fromEntries(CATEGORIES.map((c) => [c, result.categories[c].score]));
    const metrics = ["first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift", "speed-index"]
      .map((id) => `${id} ${result.audits[id].displayValue}`)
      .join(", ");
    console.log(`lighthouse ${result.lighthouseVersion} ${pagePath}: ${JSON.stringify(scores)}; ${metrics}`);
    // Layout shift is the page's own, whatever the machine's speed.
    const cls = result.audits["cumulative-layout-shift"];
    assert.equal(cls.score, 1, `layout shift on ${pagePath}: ${cls.displayValue}`);
    // In the benchmark: the performance score moves with the machine's
    // load, so below the bar take the median of three runs, as
    // Lighthouse's docs advise for variance.
    if (BENCH && scores.performance < MIN_SCORE) {
      const again = [];
      for (const i of [2, 3]) again.push((await lighthouse(origin + pagePath, `${name}-${i}`)).categories.performance.score);
      scores.performance = median([scores.performance, ...again]);
      console.log(`lighthouse ${pagePath}: performance again ${again.join(", ")}; median ${scores.performance}`);
    }
    const low = REQUIRED.filter((c) => !(scores[c] >= MIN_SCORE)).map(
      (c) => `${c} ${scores[c]}: ${losses(result, c).join(", ")}`,
    );
    assert.deepEqual(low, [], `scores below ${MIN_SCORE} on ${pagePath}`);
  });
}
