// A list's later pages come and go with its count (`areas/x/page/5/`):
// a visit to one that is gone lands here, and goes on to the list itself.
(function () {
  "use strict";
  var match = /^(.+\/)page\/[0-9]+\/?(?:index\.html)?$/.exec(window.location.pathname);
  if (match && match[1] !== "/") {
    window.location.replace(match[1] + window.location.search);
  }
})();
