/* Live updates for the projector, the console and the phones.
 *
 * One socket per page. The server pushes HTML it rendered once for the whole
 * room; this script only puts it in place and lets htmx wire it up. After any
 * reconnect it refetches what it shows, so nothing missed stays missing. */
(function () {
  "use strict";
  var code = document.body.dataset.live;
  if (!code || typeof io === "undefined" || typeof htmx === "undefined") return;

  var statusEl = document.querySelector("[data-live-status]");
  var connectedBefore = false;
  var drafts = {};

  function setStatus(state) {
    if (!statusEl) return;
    statusEl.dataset.state = state;
    statusEl.textContent = statusEl.dataset[state] || "";
  }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  // A pushed suggestion is an upsert: shown ones are added or replaced where
  // their question is listed, hidden ones removed. Older news than what a view
  // already shows (after a resync) is ignored by its sequence number.
  function applySuggestion(item) {
    var lists = document.querySelectorAll('[data-suggestions-for="' + item.question_id + '"]');
    lists.forEach(function (list) {
      var existing = list.querySelector("#s-" + item.id);
      if (existing && Number(existing.dataset.seq || 0) >= item.seq) return;
      if (!item.shown) {
        if (existing) { existing.remove(); bumpCount(item.question_id, -1); }
        return;
      }
      var next = fragment(item.html);
      if (existing) {
        existing.replaceWith(next);
      } else {
        list.appendChild(next);
        trim(list);
        bumpCount(item.question_id, 1);
        var scope = list.closest("#stage") || list.parentElement;
        var note = scope && scope.querySelector(".empty-note");
        if (note) note.remove();
      }
      htmx.process(next);
    });
  }

  // A phone keeps only the newest of the room's suggestions (pinned ones besides), as the
  // server renders its list: a long conference must not grow the page without end.
  function trim(list) {
    var keep = Number(list.dataset.keep || 0);
    if (!keep) return;
    var unpinned = list.querySelectorAll("li.suggestion:not(.pinned)");
    for (var i = 0; i < unpinned.length - keep; i++) unpinned[i].remove();
  }

  function bumpCount(questionId, delta) {
    document.querySelectorAll('[data-count-for="' + questionId + '"]').forEach(function (el) {
      el.textContent = String(Math.max(0, (parseInt(el.textContent, 10) || 0) + delta));
    });
  }

  function replaceStage(data) {
    var stage = document.getElementById("stage");
    if (!stage) return;
    var next = fragment(data.html);
    stage.replaceWith(next);
    htmx.process(next);
  }

  // Keep what someone is typing when the part of the page around it is swapped. Read at the
  // moment of the swap, not when the refetch set out: on a slow network the person goes on
  // typing while it is on its way. The text of the form whose own answer this swap is was sent,
  // so it is no draft: kept, it would come back into the form the answer has just emptied.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.querySelectorAll) return;
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    var sent = source && source.closest ? source.closest("form") : null;
    target.querySelectorAll("textarea[id], input[type=text][id]").forEach(function (field) {
      if (sent && sent.contains(field)) return;
      if (!field.value || field.value === field.defaultValue) return;
      var typing = field === document.activeElement;
      drafts[field.id] = { value: field.value, start: typing ? field.selectionStart : null,
                           end: typing ? field.selectionEnd : null };
    });
  });

  document.body.addEventListener("htmx:afterSwap", function () {
    Object.keys(drafts).forEach(function (id) {
      var field = document.getElementById(id);
      var draft = drafts[id];
      if (!field || field.value) return;
      field.value = draft.value;
      // htmx gave the focus back to the new box with the same id; the caret goes where it was.
      if (draft.start !== null && field === document.activeElement) field.setSelectionRange(draft.start, draft.end);
    });
    drafts = {};
  });

  var panelRefresh = null;

  function refreshPanel(data) {
    if (!document.getElementById("phone-panel")) return;
    // One refresh at a time: the one already waiting fetches the newest panel anyway.
    if (panelRefresh) return;
    // Thousands of phones must not all ask in the same millisecond.
    var delay = Math.random() * (data.spread_ms || 0);
    panelRefresh = setTimeout(function () {
      panelRefresh = null;
      // Looked up now, not when the event came: an earlier refresh may have replaced it.
      var panel = document.getElementById("phone-panel");
      if (!panel) return;
      refetch(panel);
    }, delay);
  }

  // A change (a click, a form) and a refetch of the part it changes must not cross. A refetch
  // that set out before the click would land after it and put back what the click changed, and
  // the click's own answer, aimed at the part the refetch replaced, would be dropped: the console
  // would go on saying a question is not on the projector when it is. So a change calls off the
  // refetches in flight, refetches asked for while a change is on its way wait, and once every
  // change is answered (its answer swapped in) each part waiting refetches once.
  var REFETCHED = "[data-resync], [data-console-refresh]";
  var changesOnTheirWay = 0;
  var refetchesInFlight = {};   // id of the part -> its request
  var refetchesWaiting = {};    // id of the part -> true

  function refetch(el) {
    if (!el.id) { htmx.trigger(el, "refresh"); return; }
    if (changesOnTheirWay) { refetchesWaiting[el.id] = true; return; }
    htmx.trigger(el, "refresh");
  }

  document.body.addEventListener("htmx:beforeSend", function (event) {
    var elt = event.detail.elt;
    var xhr = event.detail.xhr;
    var verb = ((event.detail.requestConfig || {}).verb || "get").toLowerCase();
    if (verb === "get") {
      if (!elt.matches || !elt.matches(REFETCHED) || !elt.id) return;
      var id = elt.id;
      refetchesInFlight[id] = xhr;
      xhr.addEventListener("loadend", function () {
        if (refetchesInFlight[id] === xhr) delete refetchesInFlight[id];
      });
      return;
    }
    changesOnTheirWay++;
    Object.keys(refetchesInFlight).forEach(function (id) {
      var part = document.getElementById(id);
      if (part) htmx.trigger(part, "htmx:abort");
      delete refetchesInFlight[id];
      refetchesWaiting[id] = true;
    });
    // "loadend" comes after htmx has handled the answer and swapped it in, whether or not the
    // element that asked is still in the page.
    xhr.addEventListener("loadend", function () {
      changesOnTheirWay = Math.max(0, changesOnTheirWay - 1);
      if (changesOnTheirWay) return;
      var waiting = Object.keys(refetchesWaiting);
      refetchesWaiting = {};
      waiting.forEach(function (id) {
        var part = document.getElementById(id);
        if (part) htmx.trigger(part, "refresh");
      });
    });
  });

  function resync() {
    document.querySelectorAll("[data-resync]").forEach(refetch);
  }

  // Countdowns count to the server's end time, corrected by how far this
  // device's clock is off, so every screen in the room shows the same second.
  var serverNow = Number(document.body.dataset.serverNow || 0);
  var clockSkew = serverNow ? serverNow - Date.now() : 0;

  function tick() {
    document.querySelectorAll("[data-ends-at]").forEach(function (el) {
      var left = Math.max(0, Math.round((Number(el.dataset.endsAt) - (Date.now() + clockSkew)) / 1000));
      var text = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      var out = el.querySelector("[data-clock]") || el;
      if (out.textContent !== text) out.textContent = text;
      if (left === 0 && !el.dataset.done) {
        el.dataset.done = "1";
        // The round is over: let the server say where to go next.
        setTimeout(resync, 1000 + Math.random() * 2000);
      }
    });
  }
  setInterval(tick, 1000);
  tick();

  var socket = io({ auth: { workshop: code } });
  setStatus("connecting");

  socket.on("connect", function () {
    setStatus("online");
    if (connectedBefore) {
      resync();
      document.dispatchEvent(new CustomEvent("facilitator:reconnected"));
    }
    connectedBefore = true;
  });
  socket.on("disconnect", function () { setStatus("offline"); });
  socket.on("connect_error", function () {
    setStatus("offline");
    // A refused connection is not retried by the client itself; try again calmly.
    if (!socket.active) setTimeout(function () { socket.connect(); }, 5000);
  });
  socket.on("suggestions", function (data) { data.items.forEach(applySuggestion); });
  socket.on("stage", replaceStage);
  socket.on("questions", refreshPanel);
  socket.on("upvotes", function (data) {
    // Questions to the panel: the room's upvotes, as numbers; the list keeps its order.
    Object.keys(data.counts).forEach(function (id) {
      document.querySelectorAll('[data-upvotes-of="' + id + '"]').forEach(function (el) {
        el.textContent = String(data.counts[id]);
      });
    });
  });
  socket.on("console", function (data) {
    // This console made the change and already shows it; co-facilitators' consoles refetch.
    if (data.by && String(data.by) === document.body.dataset.facilitator) return;
    document.querySelectorAll("[data-console-refresh]").forEach(refetch);
  });
  socket.on("status", function (data) {
    // The console that made the change is already on its way to the new page.
    if (data.by && String(data.by) === document.body.dataset.facilitator) return;
    // A projector gets its new stage pushed: no reload in front of the room.
    if (document.body.dataset.view === "projector") return;
    window.location.reload();
  });
})();
