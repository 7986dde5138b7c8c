/* The phone's outbox: a suggestion is kept on the phone until the server has stored it.
 *
 * Each send gets an id made here when the person taps send; a retry repeats it, so the
 * server stores it once. Unsent items survive a reload or a locked screen (localStorage),
 * are retried with backoff while the network or the server is away, and are shown honestly:
 * "sending", then "not sent yet" while retrying, or "the room is busy" while the server asks it to
 * come back later (503 with Retry-After: it waits that long and up to a second more, so that
 * phones told the same second do not return together). Nothing says "sent" before the
 * server answered. A send with no answer after SEND_TIMEOUT_MS is given up and tried again; the
 * server gives up on it too (facilitator/infra/overload.py, OVERLOAD_CLIENT_TIMEOUT_SECONDS).
 * A refusal that a retry cannot fix (a removed question, a closed workshop, a phone no longer
 * joined) is not retried: the item stays, with why, and a way forward.
 *
 * A send's answer never touches the text box: the person may be typing the next suggestion.
 * Only the question's status (a live region that stays in the page) and own list change.
 * Without JavaScript the same form posts normally. */
(function () {
  "use strict";
  var held = document.querySelector("[data-outbox-held]");
  if (!held || !window.fetch || !window.localStorage || !window.DOMParser) return;
  var code = held.dataset.outboxCode;
  var KEY = "facilitator-outbox:" + code;
  // Only the joined phone's page sends; the join page and a closed workshop's page only show.
  var canSend = !!document.getElementById("phone-panel");
  var timers = {};
  var freshToken = null;
  // States a page load may try again: "refused" was a final answer from the server.
  var RESENDABLE = { sending: true, retrying: true, busy: true, held: true, closed: true };
  var ON_THE_WAY = { sending: true, retrying: true, busy: true };
  var SEND_TIMEOUT_MS = 30000;

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY)) || []; } catch (e) { return []; }
  }
  function save(items) {
    try { localStorage.setItem(KEY, JSON.stringify(items)); } catch (e) { /* full or private mode: keep in memory */ }
  }
  function find(id) { return load().filter(function (item) { return item.id === id; })[0]; }
  function update(id, change) {
    save(load().map(function (item) { return item.id === id ? Object.assign(item, change) : item; }));
    render();
  }
  function remove(id) {
    save(load().filter(function (item) { return item.id !== id; }));
    render();
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function text(name) {
    return held.dataset["msg" + name.charAt(0).toUpperCase() + name.slice(1)] || name;
  }
  function stateText(item) {
    return item.state === "refused" ? text("refused") + " " + item.reason : text(item.state);
  }
  function box(questionId) { return document.getElementById("text-" + questionId); }
  function statusRegion(questionId) { return document.getElementById("q-" + questionId + "-status"); }

  // The live region stays; only its content changes, which is what screen readers announce.
  // A state the outbox item already shows is only heard, not shown twice.
  function announce(questionId, content) {
    var region = statusRegion(questionId);
    if (!region) return;
    if (typeof content === "string") {
      var heard = document.createElement("span");
      heard.className = "visually-hidden";
      heard.textContent = content;
      content = heard;
    }
    region.replaceChildren(content);
  }

  function button(label, action) {
    var el = document.createElement("button");
    el.type = "button";
    el.className = "button small";
    el.textContent = text(label);
    el.addEventListener("click", action);
    return el;
  }

  function actions(item) {
    var out = [];
    if (item.state === "held" && canSend) {
      var link = document.createElement("a");
      link.className = "button small primary";
      link.href = held.dataset.joinUrl;
      link.textContent = text("join");
      out.push(link);
    }
    if (item.state === "refused" || item.state === "closed") {
      if (box(item.questionId)) out.push(button("edit", function () { edit(item); }));
      else out.push(button("copy", function (event) { copy(item, event.target); }));
      out.push(button("remove", function () { remove(item.id); }));
    }
    return out;
  }

  function render() {
    var items = load();
    var lists = {};
    document.querySelectorAll("[data-outbox-for]").forEach(function (list) {
      list.textContent = "";
      lists[list.dataset.outboxFor] = list;
    });
    var anyHeld = false;
    items.forEach(function (item) {
      var list = (canSend && lists[String(item.questionId)]) || lists["*"];
      if (!list) return;
      if (list === lists["*"]) anyHeld = true;
      var li = document.createElement("li");
      li.className = "outbox-item " + item.state;
      var words = document.createElement("span");
      words.className = "outbox-text";
      words.setAttribute("dir", "auto");
      words.textContent = item.text;
      var state = document.createElement("span");
      state.className = "outbox-state";
      state.textContent = stateText(item);
      li.append(words, " ", state);
      var buttons = actions(item);
      if (buttons.length) {
        var row = document.createElement("span");
        row.className = "outbox-actions";
        row.append.apply(row, buttons);
        li.append(row);
      }
      list.appendChild(li);
    });
    held.hidden = !anyHeld;
  }

  // Back into the box it came from, after what is there already: nothing typed is overwritten.
  function edit(item) {
    var area = box(item.questionId);
    area.value = area.value.trim() ? area.value.replace(/\s*$/, "\n") + item.text : item.text;
    remove(item.id);
    area.focus();
  }

  function copy(item, control) {
    function done() { control.textContent = text("copied"); }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(item.text).then(done, function () { select(control); });
    } else {
      select(control);
    }
  }
  // Where the clipboard is not allowed, select the text so the phone's own menu can copy it.
  function select(control) {
    var words = control.closest(".outbox-item").querySelector(".outbox-text");
    var range = document.createRange();
    range.selectNodeContents(words);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function csrfToken() {
    if (freshToken) return freshToken;
    var field = document.querySelector('input[name="csrf_token"]');
    return field ? field.value : "";
  }

  // A form that expired (a long pause, a new session cookie): take a fresh token from the page.
  function refreshToken() {
    return fetch(held.dataset.joinUrl, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var field = new DOMParser().parseFromString(html, "text/html").querySelector('input[name="csrf_token"]');
        if (!field) return;
        freshToken = field.value;
        document.querySelectorAll('input[name="csrf_token"]').forEach(function (input) { input.value = freshToken; });
        document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRFToken": freshToken }));
      });
  }

  function parse(html) { return new DOMParser().parseFromString(html, "text/html"); }

  // Why the server refused, in its own (translated) words; the title of an error page left out.
  function reason(doc, status) {
    var found = doc.querySelector("[data-send-error]") || doc.querySelector("[data-request-error]");
    if (found) {
      found = found.cloneNode(true);
      found.querySelectorAll("strong").forEach(function (title) { title.remove(); });
      var words = found.textContent.replace(/\s+/g, " ").trim();
      if (words) return words;
    }
    return text("failed").replace("{status}", status);
  }

  function stored(item, doc) {
    remove(item.id);
    var own = doc.getElementById("q-" + item.questionId + "-own");
    var current = document.getElementById("q-" + item.questionId + "-own");
    if (own && current) current.replaceWith(document.importNode(own, true));
    var status = doc.querySelector("[data-send-status]");
    if (status) announce(item.questionId, document.importNode(status, true).firstElementChild || "");
  }

  function refuse(item, state, words) {
    update(item.id, { state: state, reason: words || "" });
    announce(item.questionId, stateText(find(item.id) || item));
  }

  function answered(item, response) {
    return response.text().then(function (html) {
      var doc = parse(html);
      if (response.redirected) {
        // Sent back to the workshop's page: this phone is no longer joined (its cookie is gone)
        // or the workshop is not open. Keep the item for after joining again, or to copy.
        var joinForm = doc.querySelector('form[action$="/join"]');
        return refuse(item, joinForm ? "held" : "closed");
      }
      if (response.ok) return stored(item, doc);
      if (response.status === 400 && !item.tokenRenewed) {
        item.tokenRenewed = true;
        update(item.id, { tokenRenewed: true });
        return refreshToken().then(function () { send(find(item.id) || item); },
                                   function () { retryLater(item, null); });
      }
      refuse(item, "refused", reason(doc, response.status));
    });
  }

  function temporary(status) {
    return status === 408 || status === 425 || status === 429 || status >= 500;
  }

  function send(item) {
    if (!canSend) return;
    clearTimeout(timers[item.id]);
    // A busy room's item keeps saying so while it tries again: the words stay true.
    var before = find(item.id);
    update(item.id, { state: before && before.state === "busy" ? "busy" : "sending" });
    var body = new FormData();
    body.append("csrf_token", csrfToken());
    body.append("text", item.text);
    body.append("client_id", item.id);
    var abort = window.AbortController ? new AbortController() : null;
    var timeout = abort && setTimeout(function () { abort.abort(); }, SEND_TIMEOUT_MS);
    fetch(item.url, { method: "POST", body: body, credentials: "same-origin",
                      headers: { "HX-Request": "true" }, signal: abort ? abort.signal : undefined })
      .then(function (response) {
        clearTimeout(timeout);
        if (temporary(response.status)) return retryLater(item, response);
        return answered(item, response);
      })
      .catch(function () { clearTimeout(timeout); retryLater(item, null); });
  }

  // A busy server says when to come back (Retry-After); otherwise back off, doubling up to a
  // minute. Either way a random bit is added, so phones refused together spread out.
  function retryLater(item, response) {
    var current = find(item.id);
    if (!current) return;
    var attempts = (current.attempts || 0) + 1;
    var retryAfter = response && Number(response.headers.get("Retry-After"));
    var busy = !!(response && response.status === 503 && retryAfter > 0);
    // Retry-After is this phone's slot in the server's queue of refused phones, in whole seconds
    // (facilitator/infra/overload.py, ReturnSchedule): up to a second more spreads the phones
    // booked into the same second. A share of the wait, as before, sent phones back up to 50 %
    // after their slot, long after a room had calmed down (issue #17).
    var wait = retryAfter > 0 ? retryAfter * 1000 + Math.random() * 1000
                              : Math.min(60000, 1000 * Math.pow(2, attempts)) * (0.5 + Math.random());
    var state = busy ? "busy" : "retrying";
    var changed = current.state !== state;
    update(item.id, { state: state, attempts: attempts });
    if (changed && busy) announce(item.questionId, text("busy"));
    timers[item.id] = setTimeout(function () { send(current); }, wait);
  }

  // After a reconnect or a return to the page: what was on its way goes again.
  function sendPending() {
    load().forEach(function (item) { if (ON_THE_WAY[item.state]) send(item); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-outbox]")) return;
    event.preventDefault();
    var area = form.querySelector("textarea[name=text]");
    var words = area.value.trim();
    if (!words) { area.focus(); return; }
    var item = { id: newId(), url: form.action, questionId: form.dataset.outbox, text: words, state: "sending" };
    save(load().concat([item]));
    area.value = "";
    // Ready for the next suggestion, from the keyboard too.
    area.focus();
    announce(item.questionId, text("sending"));
    render();
    send(item);
  });

  document.body.addEventListener("htmx:afterSwap", render);
  window.addEventListener("online", sendPending);
  document.addEventListener("facilitator:reconnected", sendPending);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) sendPending(); });
  if (!canSend) {
    // Not sendable from here: say why, on the join page (join, then it goes) or on the page of a
    // workshop that is not open (copy it).
    var joinPage = !!document.querySelector('form[action$="/join"]');
    save(load().map(function (item) {
      if (ON_THE_WAY[item.state]) item.state = joinPage ? "held" : "closed";
      return item;
    }));
  }
  render();
  // A fresh page (joined again, the workshop open again) tries everything that was not refused.
  load().forEach(function (item) { if (RESENDABLE[item.state]) send(item); });
})();
