// `casebook serve` in Chromium: an open case page reloads by itself when
// its file is saved, shows the diagnostics over the page when the file is
// broken, and comes back when it is fixed; the script loads nothing from
// elsewhere and logs no error.
//
// Run by `cargo test --test browser` (tests/browser.rs sets CASEBOOK_BIN and
// CASEBOOK_ROOT); by hand:
//   CASEBOOK_BIN=target/debug/casebook CASEBOOK_ROOT=. node --test tests/browser/live.test.mjs

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fsp from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";

import { openBrowser, PHONE } from "./lib.mjs";

const BIN = process.env.CASEBOOK_BIN;
const ROOT = process.env.CASEBOOK_ROOT;
const CASE_FILE = "content/cases/2023/2023-003.md";

let site;
let server;
let origin;
let browser;

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

before(async () => {
  assert.ok(BIN && ROOT, "set CASEBOOK_BIN and CASEBOOK_ROOT: cargo test --test browser does");
  site = await fsp.mkdtemp(path.join(os.tmpdir(), "casebook-live-"));
  await fsp.copyFile(path.join(ROOT, "casebook.toml"), path.join(site, "casebook.toml"));
  await fsp.cp(path.join(ROOT, "content"), path.join(site, "content"), { recursive: true });
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  server = spawn(BIN, ["serve", "--root", site, "--port", String(port)], { stdio: "ignore" });
  const deadline = Date.now() + 120_000;
  for (;;) {
    const up = await fetch(`${origin}/`).then((r) => r.ok, () => false);
    if (up) break;
    assert.ok(Date.now() < deadline, "casebook serve did not start");
    await new Promise((r) => setTimeout(r, 200));
  }
  browser = await openBrowser(PHONE, origin);
});

after(async () => {
  await browser?.close();
  server?.kill();
  if (site) await fsp.rm(site, { recursive: true, force: true });
});

test("an open page reloads on save, shows errors over itself, and recovers", async () => {
  const page = await browser.context.newPage();
  const problems = [];
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("response", (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));

  await page.goto(`${origin}/cases/2023-003/`);
  // The page is connected before anything is saved.
  await page.waitForFunction(() => performance.getEntriesByType("resource").some((e) => e.name.includes("/__casebook/")));
  await new Promise((r) => setTimeout(r, 300));
  const file = path.join(site, CASE_FILE);
  const text = await fsp.readFile(file, "utf8");
  const edited = text.replace("提升检测服务质量的经验", "提升检测服务水平的经验");
  assert.notEqual(edited, text);

  let loaded = page.waitForEvent("load", { timeout: 60_000 });
  const saved = Date.now();
  await fsp.writeFile(file, edited);
  await loaded;
  console.log(`save to reloaded page: ${Date.now() - saved} ms`);
  assert.match(await page.locator("h1").first().textContent(), /提升检测服务水平的经验/);

  // Broken: the diagnostic over the page, as the CLI words it.
  await fsp.writeFile(file, "没有前置信息\n");
  const overlay = page.locator("#casebook-overlay");
  await overlay.waitFor({ timeout: 60_000 });
  const report = await overlay.textContent();
  assert.match(report, /front-matter-missing/);
  assert.match(report, /content\/cases\/2023\/2023-003\.md:1:1/);
  assert.match(report, /构建失败/);

  // Fixed: the overlay goes, the page reloads with the content.
  loaded = page.waitForEvent("load", { timeout: 60_000 });
  await fsp.writeFile(file, edited);
  await loaded;
  assert.equal(await overlay.count(), 0);
  assert.match(await page.locator("h1").first().textContent(), /提升检测服务水平的经验/);
  assert.deepEqual(problems, []);
});
