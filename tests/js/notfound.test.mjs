// The 404 page's script (themes/default/static/js/notfound.js): a visit to
// a list page that is gone goes on to the list, a book chapter that is gone
// to its book, and nowhere else.
// Run by `cargo test --test search_js`, or `node --test tests/js/`.

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const script = fs.readFileSync(path.join(root, "themes/default/static/js/notfound.js"), "utf8");

/** Where the script sends a visit to `href` (null: it stays). */
function redirect(href) {
  const url = new URL(href);
  let to = null;
  const location = {
    href: url.href,
    origin: url.origin,
    pathname: url.pathname,
    search: url.search,
    hash: url.hash,
    replace: (target) => {
      to = target;
    },
  };
  vm.runInNewContext(script, { window: { location }, URL });
  return to;
}

test("a vanished later page goes on to its list, query kept", () => {
  assert.equal(
    redirect("https://casebook.example.org/areas/lean/page/7/?from=wechat"),
    "https://casebook.example.org/areas/lean/?from=wechat",
  );
  assert.equal(
    redirect("https://casebook.example.org/sub/years/2023/page/2/index.html"),
    "https://casebook.example.org/sub/years/2023/",
  );
});

test("a vanished chapter of a web book goes on to the book's front page, fragment kept", () => {
  assert.equal(
    redirect("https://casebook.example.org/compilation/2023/parts/lean/3/?from=wechat#case-2023-004"),
    "https://casebook.example.org/compilation/2023/?from=wechat#case-2023-004",
  );
  assert.equal(
    redirect("https://casebook.example.org/sub/compilation/2022/parts/other/index.html"),
    "https://casebook.example.org/sub/compilation/2022/",
  );
});

test("any other missing page stays on the 404 page", () => {
  for (const href of [
    "https://casebook.example.org/cases/2099-001/",
    "https://casebook.example.org/page/2/",
    "https://casebook.example.org/areas/lean/page/x/",
    "https://casebook.example.org/compilation/2023/parts/",
    "https://casebook.example.org/compilation/2023/parts/lean/x/",
    "https://casebook.example.org/compilation/x/parts/lean/",
  ]) {
    assert.equal(redirect(href), null, href);
  }
});

test("never to another host", () => {
  for (const href of [
    "https://casebook.example.org//evil.example/page/2/",
    "https://casebook.example.org/\\evil.example/page/2/",
    "https://casebook.example.org/%2F%2Fevil.example/page/2/",
    "https://casebook.example.org//evil.example/compilation/2023/parts/x/",
    "https://casebook.example.org/%2F%2Fevil.example/compilation/2023/parts/x/",
  ]) {
    const to = redirect(href);
    assert.ok(to === null || new URL(to).origin === "https://casebook.example.org", `${href} → ${to}`);
  }
});
