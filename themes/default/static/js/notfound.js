// A list's later pages come and go with its count (`areas/x/page/5/`):
// a visit to one that is gone lands here, and goes on to the list itself.
// Only ever to a page of this site: a path like `//other.host/page/2/`
// resolves to another origin and is left alone.
(function (location) {
  "use strict";
  var match = /^(\/.+\/)page\/[0-9]+\/?(?:index\.html)?$/.exec(location.pathname);
  if (!match) {
    return;
  }
  var target = new URL(match[1] + location.search, location.href);
  if (target.origin === location.origin && target.pathname !== location.pathname) {
    location.replace(target.href);
  }
})(window.location);
