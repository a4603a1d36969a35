// Share kit: the copy buttons, for the short link (data-copy-value) and
// the ready-to-paste text (data-copy names its textarea). Each says in
// its own live region when it copied. Without JavaScript the buttons stay
// hidden and readers select the text themselves.
(function () {
  async function copy(text, box) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (_) {
      // Older WebViews: copy the selection instead.
      if (!box) return false;
      box.select();
      return Boolean(document.execCommand && document.execCommand("copy"));
    }
  }

  for (const button of document.querySelectorAll("button.share-copy")) {
    const box = button.dataset.copy ? document.getElementById(button.dataset.copy) : null;
    if (button.dataset.copy && !box) continue;
    const status = button.parentElement.querySelector(".share-copied");
    button.hidden = false;
    if (box) box.addEventListener("focus", () => box.select());
    button.addEventListener("click", async () => {
      const text = box ? box.value : button.dataset.copyValue || "";
      if (box) box.select();
      const done = await copy(text, box);
      if (status) status.textContent = done ? button.dataset.copied || "已复制" : "请手动复制";
      button.classList.toggle("copied", done);
    });
  }
})();
