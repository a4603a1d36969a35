// Search benchmark: what the static search downloads per query, how many
// sequential round trips it takes, how long the ranking runs, and whether
// it finds the right cases, on a site built by `casebook build`.
//
//   node bench/search.mjs --site SITE_DIR --output BUILT_DIR [--json] [--browser]
//
// It runs the site's own search.js (its exported functions, the same code
// the page runs) against the built files, reading them from disk and
// counting their bytes as a browser with an empty cache would download them
// (first query) and then with the files of the query before it cached
// (follow-up). "First" counts the search page, its CSS and search.js as
// served (uncompressed), plus the index files; gzip would shrink all of it.
//
// Known answers come from the source Markdown, not from the index: a case
// matches a query when each of its words appears, width-folded and
// lowercased, in the case's title, enterprise name, methods, technologies
// or body. Recall and precision compare the search's whole hit list with
// that; "top 10 right" says the first ten hits all match.
//
// --browser also opens each query's search page in headless Chromium
// (/usr/bin/chromium, driven by tests/browser's playwright-core: run
// `npm ci --prefix tests/browser` first) with the CPU throttled 4x, the
// site served from a local HTTP server, and reports the time search.js
// spends ranking (its data-search-ms) and the round trips it counted.

import { readFileSync, statSync, existsSync } from "node:fs";
import { join, relative } from "node:path";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { QUERIES, knownAnswers, median, walk } from "./oracle.mjs";

const args = process.argv.slice(2);
const arg = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const siteDir = arg("--site");
const outDir = arg("--output");
if (!siteDir || !outDir) {
  console.error("usage: node bench/search.mjs --site SITE_DIR --output BUILT_DIR [--json]");
  process.exit(2);
}

const jsPath = walk(join(outDir, "js")).find((p) => /\/search\.[0-9a-f]+\.js$/.test(p));
const cssPath = walk(join(outDir, "css")).find((p) => /\/site\.[0-9a-f]+\.css$/.test(p));
const search = await import(pathToFileURL(jsPath).href);
const pageBytes =
  statSync(join(outDir, "search/index.html")).size + statSync(jsPath).size + statSync(cssPath).size;
const meta = JSON.parse(readFileSync(join(outDir, "search/meta.json"), "utf8"));
const base = join(outDir, meta.base);

// Doc number → case id, from the cards (not counted: the bench's own map).
const ids = [];
for (let i = 0; existsSync(join(base, `c${i}.json`)); i++) {
  for (const card of JSON.parse(readFileSync(join(base, `c${i}.json`), "utf8"))) ids.push(card.id);
}

// Known answers, folded like search.js folds (see oracle.mjs).
const truth = knownAnswers(siteDir, search.foldChar);

// ------------------------------------------------------------------ runs

function runQuery(query, cache) {
  const fetched = new Map();
  const get = async (name) => {
    const bytes = readFileSync(join(base, name));
    if (!cache.has(name)) fetched.set(name, bytes.length);
    return JSON.parse(bytes.toString("utf8"));
  };
  return (async () => {
    const words = search.queryWords(query);
    const names = [...new Set(words.flat().map(([t]) => t))];
    let depth = 0;
    const values = await search.loadTerms(names, meta, (name) => {
      depth = Math.max(depth, name.startsWith("s") ? 1 : 2);
      return get(name);
    });
    // Timed: what the page does before showing results (rank, first page).
    const runs = 5;
    const started = performance.now();
    let ranked;
    let shown = [];
    for (let i = 0; i < runs; i++) {
      ranked = search.search(words, [], values, meta);
      shown = ranked.page(0, 10);
    }
    const ms = (performance.now() - started) / runs;
    const hits = ranked.page(0, Infinity);
    const cardFiles = [...new Set(shown.map((doc) => Math.floor(doc / meta.cards_per_file)))];
    for (const file of cardFiles) await get(`c${file}.json`);
    if (shown.length) depth += 1;
    const bytes = [...fetched.values()].reduce((a, b) => a + b, 0);
    return { hits: hits.map((doc) => ids[doc]), bytes, files: [...fetched.keys()], depth, ms };
  })();
}

const rows = [];
let previous = new Set();
for (const query of QUERIES) {
  const first = await runQuery(query, new Set());
  const followUp = await runQuery(query, previous);
  previous = new Set(first.files);
  const expected = truth(query);
  const found = new Set(first.hits);
  const right = [...found].filter((id) => expected.has(id)).length;
  rows.push({
    query,
    expected: expected.size,
    found: found.size,
    recall: expected.size ? right / expected.size : 1,
    precision: found.size ? right / found.size : 1,
    top10: first.hits.slice(0, 10).every((id) => expected.has(id)),
    firstKB: (pageBytes + first.bytes) / 1024,
    dataKB: first.bytes / 1024,
    followUpKB: followUp.bytes / 1024,
    roundTrips: first.depth,
    ms: first.ms,
  });
}

if (args.includes("--browser")) {
  const require = createRequire(pathToFileURL(join(process.cwd(), "tests/browser/package.json")).href);
  const { chromium } = require("playwright-core");
  const server = createServer((req, res) => {
    let path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (path.endsWith("/")) path += "index.html";
    const file = join(outDir, path);
    if (!file.startsWith(outDir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const type = file.endsWith(".html") ? "text/html" : file.endsWith(".js") ? "text/javascript"
      : file.endsWith(".css") ? "text/css" : "application/json";
    res.writeHead(200, { "content-type": `${type}; charset=utf-8` }).end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  for (const row of rows) {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    await page.goto(`${origin}/search/?q=${encodeURIComponent(row.query)}`);
    await page.waitForSelector("#search-results[data-ready]", { timeout: 60_000 });
    const data = await page.$eval("#search-results", (r) => ({ ...r.dataset }));
    row.browserMs = Number(data.searchMs);
    row.browserRoundTrips = Number(data.roundTrips);
    row.browserHits = await page.$$eval("#search-results li.card", (items) => items.length);
    await page.close();
  }
  await browser.close();
  server.close();
}

const summary = {
  docs: meta.docs,
  pageKB: pageBytes / 1024,
  medianFirstKB: median(rows.map((r) => r.firstKB)),
  maxFirstKB: Math.max(...rows.map((r) => r.firstKB)),
  medianFollowUpKB: median(rows.map((r) => r.followUpKB)),
  maxFollowUpKB: Math.max(...rows.map((r) => r.followUpKB)),
  maxRoundTrips: Math.max(...rows.map((r) => r.roundTrips)),
  recall: Math.min(...rows.map((r) => r.recall)),
  precision: Math.min(...rows.map((r) => r.precision)),
  top10: rows.every((r) => r.top10),
  maxMs: Math.max(...rows.map((r) => r.ms)),
  maxBrowserMs4x: rows[0].browserMs === undefined ? null : Math.max(...rows.map((r) => r.browserMs)),
  medianBrowserMs4x: rows[0].browserMs === undefined ? null : median(rows.map((r) => r.browserMs)),
};

if (args.includes("--json")) {
  console.log(JSON.stringify({ summary, rows }, null, 1));
} else {
  const f = (x, d = 1) => x.toFixed(d);
  console.log(`${meta.docs} cases; page + CSS + search.js ${f(pageBytes / 1024)} KB (${relative(".", outDir)})`);
  console.log("query\texpected\tfound\trecall\tprecision\ttop10\tfirst KB\tfollow-up KB\ttrips\tms (node)\tms (chromium 4x)");
  for (const r of rows) {
    console.log(
      [r.query, r.expected, r.found, f(r.recall, 3), f(r.precision, 3), r.top10 ? "yes" : "NO",
        f(r.firstKB), f(r.followUpKB), r.roundTrips, f(r.ms, 2),
        r.browserMs === undefined ? "-" : f(r.browserMs, 1)].join("\t"),
    );
  }
  console.log(JSON.stringify(summary));
}
