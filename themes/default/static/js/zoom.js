// Case pages: a figure's picture opens full size in a dialog (tap, click,
// Enter or Space), where it can be scrolled and pinch-zoomed; Esc, the
// close button or a tap outside the picture closes it and focus returns
// to the picture. The theme's own script: no viewer library.
(function () {
  const pictures = document.querySelectorAll(".prose .figure img");
  if (!pictures.length || typeof HTMLDialogElement !== "function") return;
  let dialog = null;
  let big = null;
  let opener = null;

  // Made on first use: an <img> without a source would count as broken.
  function make() {
    dialog = document.createElement("dialog");
    dialog.className = "zoom";
    dialog.setAttribute("aria-label", "查看大图");
    const close = document.createElement("button");
    close.type = "button";
    close.className = "zoom-close";
    close.textContent = "关闭";
    big = document.createElement("img");
    dialog.append(close, big);
    document.body.append(dialog);
    close.addEventListener("click", () => dialog.close());
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) dialog.close();
    });
    dialog.addEventListener("close", () => {
      if (opener) opener.focus();
    });
  }

  function open(picture) {
    if (!dialog) make();
    opener = picture;
    big.src = picture.currentSrc || picture.src;
    big.alt = picture.alt;
    dialog.showModal();
    dialog.querySelector(".zoom-close").focus();
  }

  for (const picture of pictures) {
    picture.tabIndex = 0;
    picture.setAttribute("role", "button");
    picture.setAttribute("aria-label", "放大查看：" + (picture.alt || "图片"));
    picture.classList.add("zoomable");
    picture.addEventListener("click", () => open(picture));
    picture.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        open(picture);
      }
    });
  }
})();
