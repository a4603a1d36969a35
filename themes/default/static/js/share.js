// Share kit: the copy button for the ready-to-paste text. Without
// JavaScript the button stays hidden and readers select the text.
(function () {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const box = document.getElementById(button.dataset.copy);
    const status = button.parentElement.querySelector(".share-copied");
    if (!box) continue;
    button.hidden = false;
    box.addEventListener("focus", () => box.select());
    button.addEventListener("click", async () => {
      box.select();
      let done = false;
      try {
        await navigator.clipboard.writeText(box.value);
        done = true;
      } catch (_) {
        done = document.execCommand && document.execCommand("copy");
      }
      if (status) status.textContent = done ? "已复制" : "请手动复制选中的文字";
    });
  }
})();
