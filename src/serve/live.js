// casebook serve: reload this page when it changes; show build errors over
// it. Injected by the preview server only, never part of a built site.
(function () {
  'use strict';
  var here = location.pathname.replace(/index\.html$/, '');
  var overlay = null;

  function showErrors(text) {
    if (!overlay) {
      overlay = document.createElement('div');
      overlay.id = 'casebook-overlay';
      overlay.setAttribute('role', 'alert');
      overlay.style.cssText =
        'position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:1rem;' +
        'background:rgba(255,255,255,.97);color:#222;font:14px/1.5 sans-serif';
      var title = document.createElement('h1');
      title.textContent = '构建失败';
      title.style.cssText = 'font-size:1.25rem;color:#b00020;margin:0 0 .5rem';
      var hint = document.createElement('p');
      hint.textContent = '修改下面的问题并保存，页面会自动恢复。';
      var pre = document.createElement('pre');
      pre.style.cssText = 'white-space:pre-wrap;font:13px/1.5 monospace';
      overlay.append(title, hint, pre);
      document.body.appendChild(overlay);
    }
    // Text, never markup: diagnostics quote content.
    overlay.querySelector('pre').textContent = text;
  }

  var events = new EventSource('/__casebook/events');
  events.addEventListener('reload', function (e) {
    var paths = JSON.parse(e.data).paths;
    if (!overlay && paths.indexOf(here) >= 0) location.reload();
  });
  events.addEventListener('failed', function (e) {
    showErrors(JSON.parse(e.data).text);
  });
  events.addEventListener('ok', function () {
    location.reload();
  });
})();
