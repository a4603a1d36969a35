// What the browser tests share: a static server that behaves like ordinary
// static hosting, and Debian's Chromium with a fresh profile at phone size.

import http from "node:http";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";

import { before, after } from "node:test";

import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CASEBOOK_CHROMIUM || "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-quic",
  "--no-first-run",
  "--disable-sync",
];

export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".xml": "application/xml; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".json": "application/json",
  ".pdf": "application/pdf",
};

/** Types a static host compresses (nginx `gzip_types`, object storage CDNs). */
const COMPRESSIBLE = /^(text\/|application\/(json|xml)|image\/svg)/;

/** Serve `root` on 127.0.0.1 (at `port`, or a free one) like static hosting:
 *  a folder without its slash → 301 to it (query kept), a folder → its
 *  index.html, anything missing → 404.html with status 404. With `gzip`,
 *  text answers are gzip-compressed when the browser accepts it, as nginx
 *  with `gzip on` does. Files are read on each request, so a site may be
 *  built into `root` after the server started. */
export function serve(root, { gzip = false, port = 0 } = {}) {
  const send = (req, res, status, file) => {
    const type = TYPES[path.extname(file).toLowerCase()] || "application/octet-stream";
    const headers = { "content-type": type, "cache-control": "no-store" };
    if (gzip && COMPRESSIBLE.test(type) && /\bgzip\b/.test(req.headers["accept-encoding"] || "")) {
      const body = zlib.gzipSync(fs.readFileSync(file));
      res.writeHead(status, { ...headers, "content-encoding": "gzip", vary: "accept-encoding", "content-length": body.length });
      return res.end(req.method === "HEAD" ? undefined : body);
    }
    res.writeHead(status, { ...headers, "content-length": fs.statSync(file).size });
    if (req.method === "HEAD") return res.end();
    fs.createReadStream(file).pipe(res);
  };
  const server = http.createServer((req, res) => {
    const rootReal = fs.realpathSync(root);
    const notFound = () => {
      const page = path.join(rootReal, "404.html");
      if (fs.existsSync(page)) return send(req, res, 404, page);
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("404");
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405);
      return res.end();
    }
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, "http://127.0.0.1").pathname);
    } catch {
      res.writeHead(400);
      return res.end();
    }
    let file = path.join(rootReal, path.normalize(pathname));
    if (file !== rootReal && !file.startsWith(rootReal + path.sep)) return notFound();
    let stat = fs.statSync(file, { throwIfNoEntry: false });
    if (stat && stat.isDirectory()) {
      if (!pathname.endsWith("/")) {
        const query = req.url.includes("?") ? req.url.slice(req.url.indexOf("?")) : "";
        res.writeHead(301, { location: encodeURI(pathname + "/") + query });
        return res.end();
      }
      file = path.join(file, "index.html");
      stat = fs.statSync(file, { throwIfNoEntry: false });
    }
    if (!stat || !stat.isFile()) return notFound();
    send(req, res, 200, file);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

/** A browser with a fresh profile of its own, emulating `device`; every
 *  request not for `origin` is aborted. Close it with `close()`. */
export async function openBrowser(device, origin) {
  const profile = await fsp.mkdtemp(path.join(os.tmpdir(), "casebook-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    locale: "zh-CN",
    timezoneId: "Asia/Shanghai",
    serviceWorkers: "block",
    ...device,
  });
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.origin === origin || url.protocol === "data:") return route.continue();
    return route.abort("blockedbyclient");
  });
  const close = async () => {
    await context.close().catch(() => {});
    await fsp.rm(profile, { recursive: true, force: true });
  };
  return { context, close };
}

/** For a test file that works on one site at phone size: serve `root`
 *  and open a browser on it before the file's tests (unless `skip`), and
 *  close both after them. Its `origin` and `browser` are set by then. */
export function phoneSession(root, skip) {
  const session = { origin: undefined, browser: undefined, server: undefined };
  before(async () => {
    if (skip) return;
    session.server = await serve(root);
    session.origin = `http://127.0.0.1:${session.server.address().port}`;
    session.browser = await openBrowser(PHONE, session.origin);
  });
  after(async () => {
    if (session.browser) await session.browser.close();
    if (session.server) session.server.close();
  });
  return session;
}
