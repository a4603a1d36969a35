// The WeChat share script (themes/default/static/js/wechat.js) against a
// fake `wx`, a fake signing endpoint and a page's meta tags.
// Run by `cargo test --test search_js`, or `node --test tests/js/`.

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
// wechat.js is a browser module with a .js name; Node 20 needs .mjs.
const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "casebook-js-")), "wechat.mjs");
fs.copyFileSync(path.join(root, "themes/default/static/js/wechat.js"), copy);
const wechat = await import(pathToFileURL(copy).href);
fs.rmSync(path.dirname(copy), { recursive: true, force: true });

const CANONICAL = "https://casebook.example.org/cases/2023-002/";
const IMAGE = "https://casebook.example.org/img/share/digital-transformation.371ef79051.png";
const TITLE = "上海智瞳视觉科技有限公司构建AI质检模型全生命周期质量管控的经验";
const DESCRIPTION = "公司将六西格玛和统计过程控制引入人工智能工程。";

/** Just enough of a document for wechat.js: the head's share tags. */
function fakeDocument({ canonical = CANONICAL, image = IMAGE } = {}) {
  const meta = { "og:title": TITLE, "og:description": DESCRIPTION, "og:image": image, "og:url": CANONICAL };
  const element = (attrs) => ({ getAttribute: (name) => attrs[name] ?? null });
  return {
    title: `${TITLE} - 质量标杆案例库`,
    querySelector(selector) {
      const property = selector.match(/^meta\[property="([^"]+)"\]$/);
      if (property) return property[1] in meta ? element({ content: meta[property[1]] }) : null;
      if (selector === 'link[rel="canonical"]') return canonical ? element({ href: canonical }) : null;
      return null;
    },
  };
}

/** A `wx` that records what the page asks of it. */
function fakeWx() {
  const calls = [];
  let ready = null;
  const wx = {
    calls,
    config: (options) => {
      calls.push(["config", options]);
      // The real SDK calls ready() once the signature is accepted.
      setTimeout(() => ready && ready(), 0);
    },
    ready: (fn) => {
      ready = fn;
    },
    error: (fn) => calls.push(["error-handler", typeof fn]),
    updateAppMessageShareData: (data) => calls.push(["updateAppMessageShareData", data]),
    updateTimelineShareData: (data) => calls.push(["updateTimelineShareData", data]),
  };
  return wx;
}

function fakeFetch(answer, status = 200) {
  const requests = [];
  const fetch = async (url, options) => {
    requests.push({ url, options });
    return { ok: status >= 200 && status < 300, status, json: async () => answer };
  };
  return { fetch, requests };
}

const SIGNATURE = { appId: "wx0123456789abcdef", timestamp: 1700000000, nonceStr: "n0nce", signature: "0123abcd" };

test("configures wx with the signature of the page URL without its fragment", async () => {
  const wx = fakeWx();
  const { fetch, requests } = fakeFetch(SIGNATURE);
  const href = "https://casebook.example.org/cases/2023-002/?from=singlemessage&isappinstalled=0#metrics";
  const data = await wechat.setup({
    wx,
    fetch,
    location: new URL(href),
    document: fakeDocument(),
    appId: "wx0123456789abcdef",
    endpoint: "/api/wechat-signature",
  });
  assert.equal(requests.length, 1);
  const asked = new URL(requests[0].url);
  assert.equal(asked.origin + asked.pathname, "https://casebook.example.org/api/wechat-signature");
  assert.equal(asked.searchParams.get("url"), href.split("#")[0]);

  const [name, config] = wx.calls[0];
  assert.equal(name, "config");
  assert.deepEqual(config, {
    debug: false,
    appId: "wx0123456789abcdef",
    timestamp: 1700000000,
    nonceStr: "n0nce",
    signature: "0123abcd",
    jsApiList: ["updateAppMessageShareData", "updateTimelineShareData"],
  });
  const message = wx.calls.find((c) => c[0] === "updateAppMessageShareData")[1];
  // WeChat's own from=singlemessage is not passed on.
  assert.deepEqual(message, { title: TITLE, desc: DESCRIPTION, link: CANONICAL, imgUrl: IMAGE });
  const timeline = wx.calls.find((c) => c[0] === "updateTimelineShareData")[1];
  assert.deepEqual(timeline, { title: TITLE, link: CANONICAL, imgUrl: IMAGE });
  assert.deepEqual(data, message);
});

test("a campaign's from= and utm_ parameters stay in the shared link; nothing else does", () => {
  assert.equal(
    wechat.shareLink(CANONICAL, "?from=wechat&x=<script>&utm_campaign=2024&isappinstalled=0"),
    `${CANONICAL}?from=wechat&utm_campaign=2024`,
  );
  assert.equal(wechat.shareLink(CANONICAL, "?from=timeline"), CANONICAL);
  assert.equal(wechat.shareLink(CANONICAL, ""), CANONICAL);
  assert.equal(wechat.shareLink(CANONICAL, "?from="), CANONICAL);
});

test("an absolute https endpoint is asked as it is", async () => {
  const { fetch, requests } = fakeFetch(SIGNATURE);
  await wechat.fetchSignature(fetch, "https://sign.example.org/wx?site=casebook", "https://casebook.example.org/", "https://casebook.example.org/");
  const asked = new URL(requests[0].url);
  assert.equal(asked.host, "sign.example.org");
  assert.equal(asked.searchParams.get("site"), "casebook");
  assert.equal(asked.searchParams.get("url"), "https://casebook.example.org/");
});

test("the configured app id is used when the endpoint gives none", async () => {
  const wx = fakeWx();
  const { fetch } = fakeFetch({ timestamp: "1", nonceStr: "a", signature: "b" });
  await wechat.setup({
    wx,
    fetch,
    location: new URL(CANONICAL),
    document: fakeDocument(),
    appId: "wxfedcba9876543210",
    endpoint: "/sign",
  });
  assert.equal(wx.calls[0][1].appId, "wxfedcba9876543210");
});

test("outside WeChat (no wx) nothing is fetched", async () => {
  const { fetch, requests } = fakeFetch(SIGNATURE);
  const result = await wechat.setup({
    wx: undefined,
    fetch,
    location: new URL(CANONICAL),
    document: fakeDocument(),
    appId: "wx0123456789abcdef",
    endpoint: "/sign",
  });
  assert.equal(result, null);
  assert.equal(requests.length, 0);
});

test("a failing or incomplete endpoint leaves wx alone and throws nothing", async () => {
  for (const [answer, status] of [
    [SIGNATURE, 500],
    [{ timestamp: 1, nonceStr: "a" }, 200],
  ]) {
    const wx = fakeWx();
    const warnings = [];
    const { fetch } = fakeFetch(answer, status);
    const result = await wechat.setup({
      wx,
      fetch,
      location: new URL(CANONICAL),
      document: fakeDocument(),
      appId: "wx0123456789abcdef",
      endpoint: "/sign",
      warn: (m) => warnings.push(m),
    });
    assert.equal(result, null);
    assert.deepEqual(wx.calls, []);
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
  }
  // A network error too.
  const result = await wechat.setup({
    wx: fakeWx(),
    fetch: async () => {
      throw new Error("offline");
    },
    location: new URL(CANONICAL),
    document: fakeDocument(),
    appId: "wx0123456789abcdef",
    endpoint: "/sign",
  });
  assert.equal(result, null);
});

test("share data falls back to og:url and the document title", () => {
  const doc = fakeDocument({ canonical: null });
  const data = wechat.shareData(doc, "?from=poster");
  assert.equal(data.link, "https://casebook.example.org/cases/2023-002/?from=poster");
  assert.equal(wechat.signedUrl("https://a.example/x/?q=1#top"), "https://a.example/x/?q=1");
});
