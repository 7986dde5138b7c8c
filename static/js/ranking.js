/* Ranking on the phone: the options are put in order by dragging them (finger or mouse) or with
 * the "move up" and "move down" buttons (keyboard, switch access, screen readers).
 *
 * The form itself is a number per option (templates/participant/_answer.html), which is what is
 * sent, with or without JavaScript. Here every move renumbers all places in the order shown, so
 * what the form sends is what the screen shows; a drag ends exactly like the buttons do. Each
 * move is said in a live region ("Moved “X” to place 2 of 5"), in the page's language.
 *
 * A drag starts only on the handle (touch-action: none there), so a finger anywhere else still
 * scrolls the page. Pointer Events cover touch, pen and mouse alike. The lifted row follows the
 * pointer (position: fixed) while a placeholder shows where it lands; near the top or bottom of
 * the screen the page scrolls, so a list longer than the phone can still be ordered in one drag. */
(function () {
  "use strict";
  var EDGE_PX = 72;        // how near the screen's edge the pointer must be to scroll
  var MAX_SCROLL_PX = 16;  // per frame, at the very edge
  var drag = null;

  function rows(fieldset) { return Array.prototype.slice.call(fieldset.querySelectorAll(":scope > .rank-row")); }
  function optionText(row) { return row.querySelector("label").textContent.trim(); }

  function renumber(fieldset) {
    fieldset.querySelectorAll(".rank-row select").forEach(function (select, index) { select.value = String(index + 1); });
  }

  // The same words twice in a row would not be read again; a trailing no-break space makes them new.
  function say(fieldset, row) {
    var region = fieldset.querySelector("[data-rank-announce]");
    var list = rows(fieldset);
    var values = { option: optionText(row), place: String(list.indexOf(row) + 1), count: String(list.length) };
    // One pass, so an option that itself reads "{place}" stays as written.
    var words = (fieldset.dataset.msgMoved || "").replace(/\{(option|place|count)\}/g, function (all, name) { return values[name]; });
    if (region.textContent === words) words += "\u00a0";
    region.textContent = words;
  }

  // A move renumbers every place, so the numbers the form sends follow the order on screen.
  function moved(row) {
    var fieldset = row.parentElement;
    renumber(fieldset);
    say(fieldset, row);
  }

  function move(row, direction) {
    var other = direction < 0 ? row.previousElementSibling : row.nextElementSibling;
    if (!other || !other.classList.contains("rank-row")) return;
    if (direction < 0) other.before(row); else other.after(row);
    moved(row);
    row.querySelector(direction < 0 ? "[data-move=up]" : "[data-move=down]").focus();
  }

  // A page drawn by the server lists the options as the facilitator wrote them; when the numbers
  // are a whole ranking (a stored answer, or one waiting in the outbox), the rows follow them, so
  // the next move starts from the participant's order and not from the facilitator's.
  function sortByNumbers(fieldset) {
    var list = rows(fieldset);
    var places = list.map(function (row) { return Number(row.querySelector("select").value); });
    var whole = places.slice().sort(function (a, b) { return a - b; })
      .every(function (place, index) { return place === index + 1; });
    if (!whole || !list.length) return;
    var focused = document.activeElement;
    list.slice().sort(function (a, b) { return places[list.indexOf(a)] - places[list.indexOf(b)]; })
      .forEach(function (row) { fieldset.append(row); });
    if (focused && fieldset.contains(focused)) focused.focus({ preventScroll: true });
  }

  // ------------------------------------------------------------------------------ dragging --

  function startDrag(event, row, handle) {
    if (drag || !event.isPrimary || (event.pointerType === "mouse" && event.button !== 0)) return;
    // No text selection, no focus change, no page scroll: this finger moves the row.
    event.preventDefault();
    var fieldset = row.parentElement;
    var rect = row.getBoundingClientRect();
    var placeholder = document.createElement("div");
    placeholder.className = "rank-placeholder";
    placeholder.setAttribute("aria-hidden", "true");
    placeholder.style.height = rect.height + "px";
    row.before(placeholder);
    drag = {
      row: row, handle: handle, fieldset: fieldset, placeholder: placeholder, pointerId: event.pointerId,
      from: rows(fieldset).indexOf(row), offset: event.clientY - rect.top, y: event.clientY,
      focused: document.activeElement, frame: 0
    };
    try { handle.setPointerCapture(event.pointerId); } catch (e) { /* a synthetic pointer: the document still hears it */ }
    row.style.left = rect.left + "px";
    row.style.width = rect.width + "px";
    row.style.top = rect.top + "px";
    row.classList.add("rank-lifted");
    fieldset.classList.add("rank-dragging");
    drag.frame = requestAnimationFrame(scrollNearEdges);
  }

  function follow(event) {
    if (!drag || event.pointerId !== drag.pointerId) return;
    event.preventDefault();
    drag.y = event.clientY;
    drag.row.style.top = (drag.y - drag.offset) + "px";
    placePlaceholder();
  }

  // The placeholder goes before the first row whose middle is below the pointer.
  function placePlaceholder() {
    var others = rows(drag.fieldset).filter(function (row) { return row !== drag.row; });
    var before = null;
    for (var i = 0; i < others.length; i++) {
      var box = others[i].getBoundingClientRect();
      if (drag.y < box.top + box.height / 2) { before = others[i]; break; }
    }
    if (before) {
      if (drag.placeholder.nextElementSibling !== before) before.before(drag.placeholder);
    } else if (others.length && others[others.length - 1].nextElementSibling !== drag.placeholder) {
      others[others.length - 1].after(drag.placeholder);
    }
  }

  // Faster the nearer the edge; the rows scroll under the lifted one, which stays under the finger.
  function scrollNearEdges() {
    if (!drag) return;
    var height = window.innerHeight;
    var edge = Math.min(EDGE_PX, height / 6);
    var step = 0;
    if (drag.y < edge) step = -Math.ceil(MAX_SCROLL_PX * (edge - drag.y) / edge);
    else if (drag.y > height - edge) step = Math.ceil(MAX_SCROLL_PX * (drag.y - (height - edge)) / edge);
    if (step) {
      var was = window.scrollY;
      window.scrollBy(0, step);
      if (window.scrollY !== was) placePlaceholder();
    }
    drag.frame = requestAnimationFrame(scrollNearEdges);
  }

  function endDrag(event, keep) {
    if (!drag || (event && event.pointerId !== drag.pointerId)) return;
    var done = drag;
    drag = null;
    cancelAnimationFrame(done.frame);
    try { done.handle.releasePointerCapture(done.pointerId); } catch (e) { /* already released */ }
    done.row.classList.remove("rank-lifted");
    done.row.style.left = done.row.style.width = done.row.style.top = "";
    done.fieldset.classList.remove("rank-dragging");
    // The panel may have been redrawn meanwhile (the question changed): then there is nothing to drop.
    if (keep && done.placeholder.isConnected && done.row.isConnected) done.placeholder.replaceWith(done.row);
    else done.placeholder.remove();
    // Moving a row in the page takes the focus from anything inside it: give it back.
    if (done.focused && done.focused.isConnected && done.focused !== document.activeElement &&
        done.focused !== document.body) done.focused.focus({ preventScroll: true });
    if (!done.row.isConnected || rows(done.fieldset).indexOf(done.row) === done.from) return;
    moved(done.row);
    if (!window.matchMedia("(prefers-reduced-motion: reduce)").matches) {
      done.row.classList.add("rank-dropped");
      setTimeout(function () { done.row.classList.remove("rank-dropped"); }, 700);
    }
  }

  // ------------------------------------------------------------------------------ set-up --

  function addHandle(fieldset, row) {
    var handle = document.createElement("span");
    handle.className = "rank-handle";
    // The buttons are the accessible way to move; the handle is for fingers and mice only.
    handle.setAttribute("aria-hidden", "true");
    handle.title = fieldset.dataset.msgDrag || "";
    handle.addEventListener("pointerdown", function (event) { startDrag(event, row, handle); });
    // Moves and the release reach the document (captured by the handle, they bubble up to it).
    handle.addEventListener("lostpointercapture", function (event) { endDrag(event, true); });
    // A long press must not open the phone's menu over the row.
    handle.addEventListener("contextmenu", function (event) { event.preventDefault(); });
    row.prepend(handle);
  }

  function addButtons(fieldset, row) {
    var label = optionText(row);
    [["up", -1, "▲"], ["down", 1, "▼"]].forEach(function (spec) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button small move";
      button.dataset.move = spec[0];
      button.textContent = spec[2];
      button.setAttribute("aria-label", fieldset.dataset["msg" + (spec[0] === "up" ? "Up" : "Down")] + ": " + label);
      button.addEventListener("click", function () { move(row, spec[1]); });
      row.append(button);
    });
  }

  // More than two lines beside the controls: the option gets the row's whole width below them.
  function markLong(row) {
    var label = row.querySelector("label");
    var style = getComputedStyle(label);
    var line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
    row.classList.toggle("rank-long", label.getBoundingClientRect().height > 2.5 * line);
  }

  function enhance(root) {
    if (!root.querySelectorAll) return;
    var found = Array.prototype.slice.call(root.querySelectorAll("[data-ranking]:not([data-enhanced])"));
    if (root.matches && root.matches("[data-ranking]:not([data-enhanced])")) found.push(root);
    found.forEach(function (fieldset) {
      fieldset.setAttribute("data-enhanced", "");
      var region = document.createElement("p");
      region.className = "visually-hidden";
      region.setAttribute("role", "status");
      region.dataset.rankAnnounce = "";
      fieldset.querySelector("legend").after(region);
      rows(fieldset).forEach(function (row) { addHandle(fieldset, row); addButtons(fieldset, row); });
      rows(fieldset).forEach(markLong);
      sortByNumbers(fieldset);
    });
  }

  document.addEventListener("pointerup", function (event) { endDrag(event, true); });
  document.addEventListener("pointercancel", function (event) { endDrag(event, false); });
  document.addEventListener("pointermove", follow, { passive: false });
  // The phone's outbox (answers.js) redraws an answer block after a send, and restores choices not
  // sent yet; htmx redraws the panel when the question changes.
  document.addEventListener("facilitator:answer-replaced", function (event) { enhance(event.target); });
  document.addEventListener("facilitator:answer-restored", function (event) {
    event.target.querySelectorAll("[data-ranking]").forEach(sortByNumbers);
  });
  document.body.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
  enhance(document);
})();
