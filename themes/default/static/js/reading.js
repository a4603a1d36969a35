// 长者模式 (MIIT's 适老化 rules, GB/T 37668): text size, line spacing and
// high contrast, set on <html> as data-text / data-spacing / data-contrast
// and remembered in localStorage for every page of the site. The inline
// script in <head> applies the saved choice before the first paint; this
// file wires the buttons, marks the chosen one (aria-pressed) and says
// what changed in a live region for screen readers.
(function () {
  const KEY = "casebook-reading";
  const ALLOWED = { text: ["large", "xlarge"], spacing: ["wide"], contrast: ["high"] };
  const NAMES = { text: "字号", spacing: "行距", contrast: "对比度" };
  const root = document.documentElement;
  const status = document.getElementById("reading-status");
  const buttons = document.querySelectorAll("button[data-reading]");

  function saved() {
    try {
      const value = JSON.parse(localStorage.getItem(KEY) || "{}");
      return value && typeof value === "object" ? value : {};
    } catch (_) {
      return {};
    }
  }

  function current(kind) {
    const value = root.getAttribute("data-" + kind) || "";
    return ALLOWED[kind].includes(value) ? value : "";
  }

  function mark() {
    for (const button of buttons) {
      const chosen = current(button.dataset.reading) === button.dataset.value;
      button.setAttribute("aria-pressed", chosen ? "true" : "false");
    }
  }

  function choose(button) {
    const kind = button.dataset.reading;
    const value = button.dataset.value;
    if (!ALLOWED[kind] || (value && !ALLOWED[kind].includes(value))) return;
    if (value) root.setAttribute("data-" + kind, value);
    else root.removeAttribute("data-" + kind);
    const settings = saved();
    if (value) settings[kind] = value;
    else delete settings[kind];
    try {
      localStorage.setItem(KEY, JSON.stringify(settings));
    } catch (_) {
      // Private mode or storage full: the choice holds for this page only.
    }
    mark();
    if (status) status.textContent = NAMES[kind] + "已设为“" + button.textContent + "”";
  }

  for (const button of buttons) {
    button.addEventListener("click", () => choose(button));
  }
  mark();
  // Another tab changed the settings: follow it.
  window.addEventListener("storage", (event) => {
    if (event.key !== KEY) return;
    const settings = saved();
    for (const kind of Object.keys(ALLOWED)) {
      if (ALLOWED[kind].includes(settings[kind])) root.setAttribute("data-" + kind, settings[kind]);
      else root.removeAttribute("data-" + kind);
    }
    mark();
  });
})();
