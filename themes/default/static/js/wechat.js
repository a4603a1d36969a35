// WeChat share cards through the official JS-SDK (jweixin), published and
// loaded only when casebook.toml has a [wechat] table (see
// templates/wechat.html). Asks the site owner's signing endpoint for a
// signature of this page's URL, then hands WeChat the title, description,
// link and picture that the page's share meta tags already carry.
//
// Outside WeChat, or when anything fails, it does nothing and the page is
// unaffected: the share card then falls back to the <title> and URL.
// Tested by tests/js/wechat.test.mjs with a fake `wx`.

/** WeChat's own `from` values, which it appends to every shared link; a
 *  campaign's own `from=…` is kept in the shared link. */
const WECHAT_FROM = new Set(["singlemessage", "groupmessage", "timeline"]);

/** The link to share: the canonical URL, with the campaign parameters of the
 *  address the page was opened with (`from`, `utm_*`), but not those WeChat
 *  adds itself. Anything else in the query string is dropped. */
export function shareLink(canonical, search) {
  const link = new URL(canonical);
  const params = new URLSearchParams(search);
  for (const [key, value] of params) {
    const campaign = (key === "from" && !WECHAT_FROM.has(value)) || key.startsWith("utm_");
    if (campaign && value) link.searchParams.append(key, value);
  }
  return link.href;
}

/** The share data from the page's meta tags (written by templates/base.html):
 *  og:title, og:description, canonical link, og:image (absolute URLs). */
export function shareData(doc, search) {
  const meta = (property) =>
    doc.querySelector(`meta[property="${property}"]`)?.getAttribute("content") || "";
  const canonical =
    doc.querySelector('link[rel="canonical"]')?.getAttribute("href") || meta("og:url");
  return {
    title: meta("og:title") || doc.title,
    desc: meta("og:description"),
    link: shareLink(canonical, search),
    imgUrl: meta("og:image"),
  };
}

/** The URL WeChat signs: the page's address without its fragment. */
export function signedUrl(href) {
  return href.split("#")[0];
}

/** Ask `endpoint` for the signature of `pageUrl`: GET endpoint?url=… →
 *  {appId, timestamp, nonceStr, signature}. */
export async function fetchSignature(fetchFn, endpoint, pageUrl, baseHref) {
  const url = new URL(endpoint, baseHref);
  url.searchParams.set("url", pageUrl);
  const response = await fetchFn(url.href, { credentials: "same-origin", headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`signature endpoint answered ${response.status}`);
  const body = await response.json();
  for (const key of ["timestamp", "nonceStr", "signature"]) {
    if (body[key] === undefined || body[key] === null || body[key] === "") {
      throw new Error(`signature endpoint gave no ${key}`);
    }
  }
  return body;
}

/** Configure the JS-SDK and set this page's share cards. Resolves to the
 *  share data set, or null when there is nothing to do (not in WeChat, no
 *  SDK, the endpoint failed). Never throws. */
export async function setup({ wx, fetch: fetchFn, location, document: doc, appId, endpoint, warn = () => {} }) {
  if (!wx || typeof wx.config !== "function" || !endpoint || !fetchFn) return null;
  let signature;
  try {
    signature = await fetchSignature(fetchFn, endpoint, signedUrl(location.href), location.href);
  } catch (err) {
    warn(`WeChat share: ${err.message}`);
    return null;
  }
  const data = shareData(doc, location.search);
  wx.config({
    debug: false,
    appId: signature.appId || appId,
    timestamp: signature.timestamp,
    nonceStr: signature.nonceStr,
    signature: signature.signature,
    jsApiList: ["updateAppMessageShareData", "updateTimelineShareData"],
  });
  if (typeof wx.error === "function") wx.error((res) => warn(`WeChat share: ${res && res.errMsg}`));
  return new Promise((resolve) => {
    wx.ready(() => {
      // The chat card shows title, description and picture; the Moments
      // (timeline) card only title and picture.
      wx.updateAppMessageShareData({ ...data });
      wx.updateTimelineShareData({ title: data.title, link: data.link, imgUrl: data.imgUrl });
      resolve(data);
    });
  });
}

if (typeof document !== "undefined" && typeof window !== "undefined") {
  const script = document.querySelector("script[data-wechat-endpoint]");
  if (script) {
    setup({
      wx: window.wx,
      fetch: window.fetch && window.fetch.bind(window),
      location: window.location,
      document,
      appId: script.dataset.wechatAppId,
      endpoint: script.dataset.wechatEndpoint,
      warn: (message) => console.warn(message),
    });
  }
}
