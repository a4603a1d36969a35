// A list's later pages come and go with its count (`areas/x/page/5/`):
// a visit to one that is gone lands here, and goes on to the list itself.
// A web book's chapters come and go with its parts
// (`compilation/2023/parts/x/2/`): a visit to a vanished one goes on to
// the book's front page, fragment kept (the front page forwards a case's
// anchor to the chapter that holds it now).
// Only ever to a page of this site: a path like `//other.host/page/2/`
// resolves to another origin and is left alone.
(function (location) {
  "use strict";
  var list = /^(\/.+\/)page\/[0-9]+\/?(?:index\.html)?$/.exec(location.pathname);
  var chapter = /^(\/(?:.+\/)?compilation\/[0-9]+\/)parts\/[^/]+\/(?:[0-9]+\/?)?(?:index\.html)?$/.exec(location.pathname);
  var target;
  if (list) {
    target = new URL(list[1] + location.search, location.href);
  } else if (chapter) {
    target = new URL(chapter[1] + location.search + (location.hash || ""), location.href);
  } else {
    return;
  }
  if (target.origin === location.origin && target.pathname !== location.pathname) {
    location.replace(target.href);
  }
})(window.location);
