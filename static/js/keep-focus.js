/* Where the keyboard focus goes when htmx swaps a part of the console (the moderation board, the
 * questions): after a click's answer or a live refresh, the part that held the focus is new, and
 * without this the focus falls to the body, dozens of Tab stops from where the person was
 * (WCAG 2.4.3). htmx itself puts the focus back on an element with the same id; this covers the
 * rest, in this order:
 *   1. the same control again, when it is there and visible (not inside a closed <details>);
 *   2. where the control's form says the act leads (data-focus-after, an element's id; "{name}"
 *      in it is that form field's value: a merge goes to the suggestion merged into);
 *   3. the item the control belonged to (data-focus-item on an ancestor names its id);
 *   4. the part's own heading (data-focus-fallback).
 * A focus somewhere else on the page is left where it is. */
(function () {
  "use strict";
  if (typeof htmx === "undefined") return;
  var wanted = null;

  function visible(el) {
    return !!el && el.getClientRects().length > 0;
  }

  function fillIn(template, form) {
    return template.replace(/\{(\w+)\}/g, function (match, name) {
      var field = form && form.elements && form.elements[name];
      return field ? field.value : "";
    });
  }

  function closestWith(el, attribute) {
    return el && el.closest ? el.closest("[" + attribute + "]") : null;
  }

  // ownAct: the swap answers the person's own request, not a live refresh, so where the act
  // leads counts (a refresh while the focus rests on "Merge" must not jump to the chosen one).
  function candidates(active, source, ownAct) {
    var ids = [];
    var from = active !== document.body ? active : source;
    if (active.id) ids.push(active.id);
    var leads = ownAct && closestWith(from, "data-focus-after");
    if (leads) ids.push(fillIn(leads.dataset.focusAfter, leads.closest("form") || leads));
    var item = closestWith(from, "data-focus-item");
    if (item) ids.push(item.dataset.focusItem);
    return ids;
  }

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.matches || !target.matches("[data-console-refresh]")) return;
    var active = document.activeElement || document.body;
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    var focusInside = active !== document.body && target.contains(active);
    var ownAct = !!source && source !== target && target.contains(source);
    // With the focus on the body, only the person's own act (a drop) moves it, never a live refresh.
    if (!focusInside && !(ownAct && active === document.body)) return;
    wanted = { ids: candidates(active, source, ownAct), part: target.id };
  });

  document.body.addEventListener("htmx:afterSettle", function () {
    if (!wanted) return;
    var wish = wanted;
    wanted = null;
    var now = document.activeElement;
    if (now && now !== document.body && visible(now)) return;  // htmx put it back already
    var part = document.getElementById(wish.part);
    var fallback = part && part.querySelector("[data-focus-fallback]");
    var ids = wish.ids.concat(fallback && fallback.id ? [fallback.id] : []);
    for (var i = 0; i < ids.length; i++) {
      var el = ids[i] && document.getElementById(ids[i]);
      if (visible(el)) {
        el.focus();
        if (document.activeElement === el) return;
      }
    }
  });
})();
