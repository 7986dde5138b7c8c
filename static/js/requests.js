/* A request made by htmx that fails says so: a button that silently does nothing is the worst
 * surprise in front of a room. No connection: "not sent". An error answer: the server's own
 * translated message (templates/_error.html), else a general one with the status. The next
 * request that succeeds clears it. Suggestions from phones go through the outbox (outbox.js),
 * which keeps and retries them, not through here. */
(function () {
  "use strict";
  var box = document.querySelector("[data-request-problem]");
  if (!box || !window.DOMParser) return;
  var textEl = box.querySelector("[data-request-problem-text]");
  // It may cover the very button to try again with: one tap hides it.
  box.querySelector("[data-request-problem-dismiss]").addEventListener("click", function () { box.hidden = true; });

  function show(text) {
    textEl.textContent = text;
    box.hidden = false;
  }

  function serverMessage(xhr) {
    if ((xhr.getResponseHeader("Content-Type") || "").indexOf("text/html") !== 0) return "";
    var found = new DOMParser().parseFromString(xhr.responseText, "text/html").querySelector("[data-request-error]");
    return found ? found.textContent.replace(/\s+/g, " ").trim() : "";
  }

  document.body.addEventListener("htmx:sendError", function () { show(box.dataset.offline); });
  document.body.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    show(serverMessage(xhr) || box.dataset.failed + " (" + xhr.status + ")");
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) box.hidden = true;
  });
})();
