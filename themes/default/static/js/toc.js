// Case pages on a desktop: the table of contents stays beside the text
// (sticky, in CSS) and marks the section being read (aria-current), so
// the reader sees where they are. Without JavaScript it is a plain list.
(function () {
  const links = Array.from(document.querySelectorAll(".toc a[href^='#']"));
  const targets = links
    .map((link) => document.getElementById(decodeURIComponent(link.hash.slice(1))))
    .filter(Boolean);
  if (!targets.length || !("IntersectionObserver" in window)) return;
  const visible = new Set();
  function mark() {
    // The first section on screen; above all of them, the last one passed.
    let current = targets.find((t) => visible.has(t));
    if (!current) {
      current = targets.filter((t) => t.getBoundingClientRect().top < 0).pop() || targets[0];
    }
    for (const link of links) {
      if (link.hash.slice(1) === current.id) link.setAttribute("aria-current", "location");
      else link.removeAttribute("aria-current");
    }
  }
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting) visible.add(entry.target);
      else visible.delete(entry.target);
    }
    mark();
  }, { rootMargin: "0px 0px -60% 0px" });
  for (const target of targets) observer.observe(target);
})();
