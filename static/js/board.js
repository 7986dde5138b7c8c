/* Drag and drop on the moderation board: drop a suggestion on a theme.
 * The same move is a plain form on every card (keyboard and no-script path);
 * this only posts that form's request for a mouse or touch drag. */
(function () {
  "use strict";
  if (typeof htmx === "undefined") return;
  var dragged = null;

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest("[data-suggestion-id]");
    if (!card) return;
    dragged = card.dataset.suggestionId;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged);
    card.classList.add("dragging");
  });

  document.addEventListener("dragend", function (event) {
    var card = event.target.closest && event.target.closest("[data-suggestion-id]");
    if (card) card.classList.remove("dragging");
    document.querySelectorAll(".board-column.drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
  });

  document.addEventListener("dragover", function (event) {
    var column = event.target.closest && event.target.closest(".board-column[data-theme-id]");
    if (!column || !dragged) return;
    event.preventDefault();
    column.classList.add("drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    var column = event.target.closest && event.target.closest(".board-column");
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("drop-target");
  });

  document.addEventListener("drop", function (event) {
    var column = event.target.closest && event.target.closest(".board-column[data-theme-id]");
    var board = column && column.closest("[data-board]");
    if (!column || !board || !dragged) return;
    event.preventDefault();
    var url = board.dataset.themeUrlTemplate.replace("/0/theme", "/" + dragged + "/theme");
    // After the board is swapped the focus goes to the card just moved (keep-focus.js).
    column.dataset.focusAfter = "mod-" + dragged;
    htmx.ajax("POST", url, { source: column, target: "#board", swap: "outerHTML",
                             values: { theme: column.dataset.themeId } });
    dragged = null;
  });
})();
