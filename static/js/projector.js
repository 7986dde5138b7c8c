/* The projector's pages.
 *
 * A stage with more than the wall holds shows it a page at a time, turning by itself at a calm
 * pace, with "2/3" in the corner: nothing is cut off or hidden under the edge, and the type stays
 * large enough for the back row. Pages are measured, not counted, since suggestions differ in
 * length. A push re-renders the stage (js/live.js): it stays on the page it was on, and what
 * was already on the wall does not move in again. All of it happens before the browser paints. */
(function () {
  "use strict";
  var PAGE_SECONDS = 12;
  var ITEMS = ".stage-suggestions > li, .tally > li";
  var wide = window.matchMedia("(min-width: 60rem)");
  var page = 0;
  var pages = [];
  var known = {};

  function stage() { return document.getElementById("stage"); }

  // The items the stylesheet shows at all (a long list keeps its newest and its pinned ones).
  function candidates(el) {
    el.querySelectorAll(".off-page").forEach(function (node) { node.classList.remove("off-page"); });
    return Array.prototype.filter.call(el.querySelectorAll(ITEMS), function (item) {
      return item.getClientRects().length > 0;
    });
  }

  // Items from..to-1 on the wall; a group (table, round, theme) shows while it has one there.
  function show(el, items, from, to) {
    var groups = [];
    items.forEach(function (item, index) {
      var on = index >= from && index < to;
      item.classList.toggle("off-page", !on);
      var group = item.closest(".stage-group");
      if (on && group && groups.indexOf(group) < 0) groups.push(group);
    });
    el.querySelectorAll(".stage-group").forEach(function (group) {
      group.classList.toggle("off-page", groups.indexOf(group) < 0);
    });
  }

  function fits(item, bottom, right) {
    var box = item.getBoundingClientRect();
    return box.bottom <= bottom + 0.5 && box.right <= right + 0.5;
  }

  // Where the items must end: above the page indicator, inside the stage's padding.
  function limits(el, indicator) {
    var box = el.getBoundingClientRect();
    var style = getComputedStyle(el);
    var bottom = box.bottom - parseFloat(style.paddingBottom);
    if (indicator) {
      indicator.hidden = false;
      indicator.textContent = "0/0";
      bottom = Math.min(bottom, indicator.getBoundingClientRect().top - 4);
    }
    return { bottom: bottom, right: box.right - parseFloat(style.paddingRight) };
  }

  function measure(el, items, indicator) {
    var edge = limits(el, indicator);
    var found = [];
    var from = 0;
    while (from < items.length) {
      show(el, items, from, items.length);
      var to = from + 1; // a page holds at least one item, however long
      while (to < items.length && fits(items[to], edge.bottom, edge.right)) to++;
      found.push([from, to]);
      from = to;
    }
    return found;
  }

  function label(indicator) {
    indicator.textContent = "";
    var short = document.createElement("span");
    short.setAttribute("aria-hidden", "true");
    short.textContent = (page + 1) + "/" + pages.length;
    var long = document.createElement("span");
    long.className = "visually-hidden";
    long.textContent = (indicator.dataset.label || "")
      .replace("{page}", String(page + 1)).replace("{pages}", String(pages.length));
    indicator.append(short, long);
  }

  function render(el, items) {
    var indicator = el.querySelector("[data-stage-pages]");
    if (pages.length) show(el, items, pages[page][0], pages[page][1]);
    if (!indicator) return;
    indicator.hidden = pages.length < 2;
    if (pages.length > 1) label(indicator);
  }

  // A question of hundreds of characters, or a dozen options of two lines each, must not push
  // the results off the wall. Step by step, while the stage would not fit: the question is set
  // smaller and cut at three lines (the phones show it whole), then each option's label is cut
  // at one line. Measured, not counted, since texts differ in length; a screen reader still
  // reads every word, as only the drawing is cut.
  var FIT_STEPS = ["fit-question", "fit-labels"];

  function overflows(el) {
    var bottom = Math.min(limits(el, null).bottom, window.innerHeight);
    return Array.prototype.some.call(el.querySelectorAll(".stage-question, .stage-results"), function (part) {
      return part.getBoundingClientRect().bottom > bottom + 0.5;
    });
  }

  function fit(el) {
    FIT_STEPS.forEach(function (step) { el.classList.remove(step); });
    var question = el.querySelector(".stage-question");
    // Above a list that pages, the question may not take more than a third of the wall either.
    if (question && question.getBoundingClientRect().height > window.innerHeight / 3) el.classList.add(FIT_STEPS[0]);
    for (var i = 0; i < FIT_STEPS.length && overflows(el); i++) el.classList.add(FIT_STEPS[i]);
  }

  function paginate() {
    var el = stage();
    if (!el) return;
    fit(el);
    var items = candidates(el);
    var indicator = el.querySelector("[data-stage-pages]");
    pages = wide.matches && items.length ? measure(el, items, indicator) : [];
    // A change may leave fewer pages: stay as near as possible to where the room was reading.
    page = Math.max(0, Math.min(page, pages.length - 1));
    render(el, items);
  }

  // Items a push brought back (same suggestion, re-rendered) stay still; new ones move in.
  function settle(el) {
    var seen = {};
    el.querySelectorAll(ITEMS).forEach(function (item) {
      var key = item.id || item.dataset.key;
      if (!key) return;
      if (known[key]) item.classList.add("settled");
      seen[key] = true;
    });
    known = seen;
  }

  function turn() {
    var el = stage();
    if (!el || pages.length < 2) return;
    page = (page + 1) % pages.length;
    el.classList.add("turning");
    render(el, candidates(el));
    setTimeout(function () { el.classList.remove("turning"); }, 600);
  }

  function isElement(node) { return node.nodeType === 1; }

  // Only elements added or removed count (a countdown's tick changes text, the indicator is ours).
  function matters(records) {
    return records.some(function (record) {
      if (record.target.closest && record.target.closest("[data-stage-pages]")) return false;
      return Array.prototype.some.call(record.addedNodes, isElement) ||
        Array.prototype.some.call(record.removedNodes, isElement);
    });
  }

  var main = document.querySelector(".projector-main");
  if (!main) return;
  new MutationObserver(function (records) {
    var el = stage();
    if (!el || !matters(records)) return;
    settle(el);
    paginate();
  }).observe(main, { childList: true, subtree: true });
  window.addEventListener("resize", paginate);
  setInterval(turn, PAGE_SECONDS * 1000);
  var first = stage();
  if (first) settle(first);
  paginate();
})();
