// Progressive enhancement only: every control works without this file.
document.addEventListener("DOMContentLoaded", () => {
  for (const select of document.querySelectorAll("form.sort select, form.timeline-controls select")) {
    const button = select.form.querySelector("button");
    if (button) button.hidden = true;
    select.addEventListener("change", () => select.form.submit());
  }
  // "/" focuses the search box (unless the reader is typing somewhere already).
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    const typing = target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      const box = document.getElementById("q");
      if (box) {
        event.preventDefault();
        box.focus();
        box.select();
      }
    }
  });
  // At phone width the filters start folded, so the results come first.
  const filters = document.getElementById("filters");
  if (filters && window.matchMedia("(max-width: 700px)").matches) filters.open = false;
  enableRangeSelection(document.querySelector("figure.timeline"));
});

// Dragging from one bar to another selects the range between them (a click on one bar follows its link).
function enableRangeSelection(figure) {
  if (!figure) return;
  const bars = Array.from(figure.querySelectorAll("a.bar"));
  let anchor = null;
  const mark = (from, to) => {
    const [lo, hi] = from ? [bars.indexOf(from), bars.indexOf(to)].sort((a, b) => a - b) : [-1, -2];
    bars.forEach((bar, i) => bar.classList.toggle("pending", i >= lo && i <= hi));
  };
  const go = (from, to) => {
    const [first, last] = [from, to].sort((a, b) => bars.indexOf(a) - bars.indexOf(b));
    const url = new URL(figure.dataset.base, window.location.href);
    url.searchParams.set("from", first.dataset.start);
    url.searchParams.set("to", last.dataset.end);
    window.location.assign(url.toString());
  };
  for (const bar of bars) {
    bar.addEventListener("pointerdown", (event) => {
      if (event.button !== 0 || event.pointerType !== "mouse") return;
      event.preventDefault();  // no native link drag
      anchor = bar;
      mark(bar, bar);
    });
    bar.addEventListener("pointerenter", (event) => {
      if (anchor && (event.buttons & 1)) mark(anchor, bar);
    });
    bar.addEventListener("pointerup", (event) => {
      if (anchor && anchor !== bar) {
        event.preventDefault();
        go(anchor, bar);
      }
      anchor = null;
    });
  }
  document.addEventListener("pointerup", () => {
    if (anchor) mark(null, null);
    anchor = null;
  });
}
