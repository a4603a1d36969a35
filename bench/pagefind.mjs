// Pagefind on the same pages: indexes a Casebook build's case pages with
// Pagefind's extended build (the only one that segments Chinese), then runs
// bench/search.mjs's query set through Pagefind's own search API in headless
// Chromium and judges it against the same known answers (bench/oracle.mjs).
//
//   node bench/pagefind.mjs --site SITE_DIR --output BUILT_DIR --pagefind BIN [--json]
//   node bench/pagefind.mjs ... --pagefind BIN --index-only   (index, print its figures)
//   node bench/pagefind.mjs ... --no-index [--json]           (query the bundle made before)
//
// BIN is the `pagefind_extended` binary (`pip install 'pagefind[extended]'`
// ships it inside the `pagefind_bin_extended` package). The bundle goes to
// BUILT_DIR/pagefind; --no-index reuses one made before (its timings are
// kept in BUILT_DIR/pagefind-index.json).
//
// What Pagefind indexes: the case pages only (`cases/*/index.html`), from
// the case's <article> (Casebook's templates have no data-pagefind-body, so
// `--root-selector`), minus navigation, the metrics section and the chips
// and labels that name the area, industry, district or year. What is left
// is the title, enterprise, methods, body and the enterprise card (with the
// technologies): the fields the known answers and Casebook's index use.
//
// Bytes: every response the page gets from the local server, uncompressed
// as on disk (Pagefind's index, fragment and wasm files are gzip inside, so
// gzip on the wire would not shrink them; Casebook's JSON would shrink).
// A first query opens a fresh browser context (empty cache), loads a tiny
// page, imports /pagefind/pagefind.js, searches and loads the data of the
// first ten results (`result.data()`, what a results page shows). Then, on
// the same page, the next query of the list (the last one wraps to the
// first) is a follow-up: only the files it asks for that the previous query
// did not load count. Search page, CSS and Casebook's own script are not
// counted for Pagefind (Casebook's first-query figure includes its 43 KB).
//
// Round trips: every response is held for DELAY_MS, so requests that wait
// for another's answer start after it ends, and parallel ones overlap (a
// throttled page on a busy machine may spread one batch over tens of ms); a
// request's wave is one more than the deepest request that ended before it
// started. Recall and precision use Pagefind's whole result list.

import { readFileSync, readdirSync, statSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { spawnSync } from "node:child_process";
import { createSecureServer } from "node:http2";
import { createRequire } from "node:module";
import { gunzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { pathToFileURL } from "node:url";
import { QUERIES, knownAnswers, median, walk } from "./oracle.mjs";

const args = process.argv.slice(2);
const arg = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const siteDir = arg("--site");
const outDir = arg("--output") && resolve(arg("--output"));
const bin = arg("--pagefind");
const reuse = args.includes("--no-index");
if (!siteDir || !outDir || (!bin && !reuse)) {
  console.error(
    "usage: node bench/pagefind.mjs --site SITE_DIR --output BUILT_DIR (--pagefind BIN [--index-only] | --no-index) [--json]",
  );
  process.exit(2);
}
const bundle = join(outDir, "pagefind");
const statsFile = join(outDir, "pagefind-index.json");
const DELAY_MS = 150;

// ----------------------------------------------------------------- index

// Selectors inside article.case that are not case content (see above).
const EXCLUDE = [
  "nav.breadcrumb", "nav.toc", "nav.prev-next", ".case-id", ".case-share", ".metrics",
  ".profile-card h2", ".profile-card dt", '.chips a[href^="/areas/"]',
  '.chips a[href^="/industries/"]', '.chips a[href^="/districts/"]', '.chips a[href^="/years/"]',
];

function index() {
  const version = spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout.trim();
  rmSync(bundle, { recursive: true, force: true });
  // GNU time reports the wall time and the peak RSS of the one process
  // (nice execs Pagefind in place).
  const timeFile = join(tmpdir(), `pagefind-time-${process.pid}`);
  const run = spawnSync("/usr/bin/time", [
    "-o", timeFile, "-f", "%e %M %U %S", "nice", "-n", "10", bin,
    "--site", outDir, "--glob", "cases/*/index.html", "--root-selector", "article.case",
    ...EXCLUDE.flatMap((s) => ["--exclude-selectors", s]), "--output-subdir", "pagefind",
  ], { stdio: ["ignore", "inherit", "inherit"] });
  if (run.status !== 0) throw new Error(`pagefind failed (status ${run.status})`);
  const [wall, maxKiB, user, sys] = readFileSync(timeFile, "utf8").trim().split("\n").pop().split(" ").map(Number);
  rmSync(timeFile);
  const files = walk(bundle);
  const stats = {
    version, wallS: wall, peakMiB: maxKiB / 1024, cpuS: user + sys,
    bundleMiB: files.reduce((a, f) => a + statSync(f).size, 0) / 2 ** 20, bundleFiles: files.length,
  };
  writeFileSync(statsFile, JSON.stringify(stats, null, 1));
  return stats;
}

const indexStats = reuse ? JSON.parse(readFileSync(statsFile, "utf8")) : index();
if (args.includes("--index-only")) {
  console.log(JSON.stringify(indexStats));
  process.exit(0);
}

// Fragment (Pagefind's result id) → case id, read from the bundle: a
// fragment is gzip of "pagefind_dcd" followed by JSON with the page's URL.
const caseOf = new Map();
for (const name of readdirSync(join(bundle, "fragment"))) {
  const text = gunzipSync(readFileSync(join(bundle, "fragment", name))).toString("utf8");
  const url = JSON.parse(text.slice("pagefind_dcd".length)).url;
  caseOf.set(name.replace(/\.pf_fragment$/, ""), url.match(/^\/cases\/([^/]+)\/$/)[1]);
}

// The same folding of known answers as search.mjs: the build's search.js.
const jsPath = walk(join(outDir, "js")).find((p) => /\/search\.[0-9a-f]+\.js$/.test(p));
const { foldChar } = await import(pathToFileURL(jsPath).href);
const truth = knownAnswers(siteDir, foldChar);

// ---------------------------------------------------------------- server

const BENCH_PAGE = '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>pagefind</title></html>';
let phase = null; // requests are booked to the query being measured
const log = [];
// HTTP/2 (as static hosts serve), so the browser's limit of six HTTP/1.1
// connections per host does not queue the ten fragments into two waves.
// The certificate is a throwaway one for 127.0.0.1.
const keyFile = join(tmpdir(), `pagefind-key-${process.pid}.pem`);
const certFile = join(tmpdir(), `pagefind-cert-${process.pid}.pem`);
spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
  "-days", "1", "-keyout", keyFile, "-out", certFile], { stdio: "ignore" });
const tls = { key: readFileSync(keyFile), cert: readFileSync(certFile) };
rmSync(keyFile);
rmSync(certFile);
const server = createSecureServer(tls, (req, res) => {
  const start = performance.now();
  const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
  let body;
  let type = "application/octet-stream";
  if (path === "/bench/") {
    body = Buffer.from(BENCH_PAGE);
    type = "text/html; charset=utf-8";
  } else {
    const file = join(outDir, path);
    if (!file.startsWith(bundle) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    body = readFileSync(file);
    if (file.endsWith(".js")) type = "text/javascript";
    if (file.endsWith(".json")) type = "application/json";
  }
  const entry = { phase, path, bytes: body.length, start, end: Infinity };
  log.push(entry);
  setTimeout(() => {
    res.writeHead(200, { "content-type": type, "cache-control": "max-age=3600" });
    res.end(body, () => (entry.end = performance.now()));
  }, DELAY_MS);
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const origin = `https://127.0.0.1:${server.address().port}`;

/** Each request's wave: its sequential round trip (see the top). */
function waves(entries) {
  const wave = [];
  entries.forEach((r, i) => {
    const before = entries.slice(0, i).map((q, j) => (q.end <= r.start ? wave[j] : 0));
    wave[i] = 1 + Math.max(0, ...before);
  });
  return wave;
}
const depth = (entries) => Math.max(0, ...waves(entries));

// ---------------------------------------------------------------- browser

const require = createRequire(pathToFileURL(join(process.cwd(), "tests/browser/package.json")).href);
const { chromium } = require("playwright-core");
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
});

// Runs in the page: one search and the data of its first ten results.
async function pagefindQuery(query) {
  window.pf ??= await import("/pagefind/pagefind.js");
  const search = await window.pf.search(query);
  await Promise.all(search.results.slice(0, 10).map((r) => r.data()));
  // One timing per bundle: `search` leaves out the time spent loading files.
  return { ids: search.results.map((r) => r.id), searchMs: search.timings[0].search };
}

/** Runs `query` on `page` as phase `name`; returns its hits and traffic. */
async function measure(page, name, query) {
  phase = name;
  const out = await page.evaluate(pagefindQuery, query);
  phase = null;
  const mine = log.filter((r) => r.phase === name && r.path !== "/bench/");
  const wave = waves(mine);
  return {
    ...out,
    bytes: log.filter((r) => r.phase === name).reduce((a, r) => a + r.bytes, 0),
    requests: mine.map((r, i) => `${wave[i]} ${r.path} ${r.bytes}`),
    trips: depth(mine),
    // Without the wave that loads pagefind.js itself (Casebook's round
    // trips do not count loading its search.js either).
    tripsAfterScript: depth(mine.filter((r) => !r.path.endsWith("/pagefind.js"))),
  };
}

const rows = QUERIES.map((query) => ({ query }));
for (let i = 0; i < QUERIES.length; i++) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, ignoreHTTPSErrors: true });
  const page = await context.newPage();
  // The CPU throttled 4x, like search.mjs --browser, for the search time.
  const cdp = await context.newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  phase = `first ${i}`;
  await page.goto(`${origin}/bench/`);
  const first = await measure(page, `first ${i}`, QUERIES[i]);
  const next = (i + 1) % QUERIES.length;
  const followUp = await measure(page, `follow ${next}`, QUERIES[next]);
  await context.close();

  const expected = truth(QUERIES[i]);
  const found = new Set(first.ids.map((id) => caseOf.get(id)));
  const right = [...found].filter((id) => expected.has(id)).length;
  Object.assign(rows[i], {
    expected: expected.size,
    found: found.size,
    recall: expected.size ? right / expected.size : 1,
    precision: found.size ? right / found.size : 1,
    top10: first.ids.slice(0, 10).every((id) => expected.has(caseOf.get(id))),
    firstKB: first.bytes / 1024,
    roundTrips: first.trips,
    roundTripsAfterScript: first.tripsAfterScript,
    searchMs4x: first.searchMs,
    firstRequests: first.requests, // "wave path bytes"
  });
  rows[next].followUpKB = followUp.bytes / 1024;
  rows[next].followUpTrips = followUp.trips;
}
await browser.close();
server.close();

const summary = {
  pagefind: indexStats,
  pages: caseOf.size,
  medianFirstKB: median(rows.map((r) => r.firstKB)),
  maxFirstKB: Math.max(...rows.map((r) => r.firstKB)),
  medianFollowUpKB: median(rows.map((r) => r.followUpKB)),
  maxFollowUpKB: Math.max(...rows.map((r) => r.followUpKB)),
  // The median too: on a busy machine one batch may now and then split.
  medianRoundTrips: median(rows.map((r) => r.roundTrips)),
  maxRoundTrips: Math.max(...rows.map((r) => r.roundTrips)),
  maxRoundTripsAfterScript: Math.max(...rows.map((r) => r.roundTripsAfterScript)),
  recall: Math.min(...rows.map((r) => r.recall)),
  meanRecall: rows.reduce((a, r) => a + r.recall, 0) / rows.length,
  precision: Math.min(...rows.map((r) => r.precision)),
  meanPrecision: rows.reduce((a, r) => a + r.precision, 0) / rows.length,
  top10: rows.filter((r) => r.top10).length, // queries whose first ten hits are all right
  medianSearchMs4x: median(rows.map((r) => r.searchMs4x)),
  maxSearchMs4x: Math.max(...rows.map((r) => r.searchMs4x)),
};

if (args.includes("--json")) {
  console.log(JSON.stringify({ summary, rows }, null, 1));
} else {
  const f = (x, d = 1) => x.toFixed(d);
  const s = indexStats;
  console.log(`${s.version}: ${caseOf.size} pages indexed in ${f(s.wallS)} s, peak ${f(s.peakMiB)} MiB; bundle ${f(s.bundleMiB)} MiB in ${s.bundleFiles} files`);
  console.log("query\texpected\tfound\trecall\tprecision\ttop10\tfirst KB\tfollow-up KB\ttrips\tms (chromium 4x)");
  for (const r of rows) {
    console.log([r.query, r.expected, r.found, f(r.recall, 3), f(r.precision, 3), r.top10 ? "yes" : "NO",
      f(r.firstKB), f(r.followUpKB), r.roundTrips, r.searchMs4x ?? "-"].join("\t"));
  }
  console.log(JSON.stringify(summary));
}
