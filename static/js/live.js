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

  function addSuggestion(data) {
    var lists = document.querySelectorAll('[data-suggestions-for="' + data.question_id + '"]');
    lists.forEach(function (list) {
      if (list.querySelector("#s-" + data.id)) return; // already there after a resync
      var item = fragment(data.html);
      list.appendChild(item);
      htmx.process(item);
      var stage = list.closest(".stage");
      var note = stage && stage.querySelector(".empty-note");
      if (note) note.remove();
      bumpCount(data.question_id);
    });
    if (!lists.length) bumpCount(data.question_id);
  }

  function bumpCount(questionId) {
    document.querySelectorAll('[data-count-for="' + questionId + '"]').forEach(function (el) {
      el.textContent = String((parseInt(el.textContent, 10) || 0) + 1);
    });
  }

  function replaceStage(data) {
    var stage = document.getElementById("stage");
    if (!stage) return;
    var next = fragment(data.html);
    stage.replaceWith(next);
    htmx.process(next);
  }

  // Keep what a participant is typing when the panel is refetched under them.
  function saveDrafts() {
    document.querySelectorAll("#phone-panel textarea").forEach(function (area) {
      if (area.value) drafts[area.id] = area.value;
    });
  }

  document.body.addEventListener("htmx:afterSwap", function () {
    Object.keys(drafts).forEach(function (id) {
      var area = document.getElementById(id);
      if (area && !area.value) area.value = drafts[id];
    });
    drafts = {};
  });

  function refreshPanel(data) {
    var panel = document.getElementById("phone-panel");
    if (!panel) return;
    // Thousands of phones must not all ask in the same millisecond.
    var delay = Math.random() * (data.spread_ms || 0);
    setTimeout(function () {
      saveDrafts();
      htmx.trigger(panel, "refresh");
    }, delay);
  }

  function resync() {
    saveDrafts();
    document.querySelectorAll("[data-resync]").forEach(function (el) {
      htmx.trigger(el, "refresh");
    });
  }

  var socket = io({ auth: { workshop: code } });
  setStatus("connecting");

  socket.on("connect", function () {
    setStatus("online");
    if (connectedBefore) resync();
    connectedBefore = true;
  });
  socket.on("disconnect", function () { setStatus("offline"); });
  socket.on("connect_error", function () {
    setStatus("offline");
    // A refused connection is not retried by the client itself; try again calmly.
    if (!socket.active) setTimeout(function () { socket.connect(); }, 5000);
  });
  socket.on("suggestion", addSuggestion);
  socket.on("stage", replaceStage);
  socket.on("questions", refreshPanel);
  socket.on("status", function () { window.location.reload(); });
})();
