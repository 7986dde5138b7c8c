/* The phone's outbox for answers (multiple choice, scale, ranking): an answer is kept on the phone
 * until the server has stored it.
 *
 * One answer per question waits at a time: a newer answer to the same question replaces the one
 * not sent yet (the server keeps only the current answer anyway). Each send has an id made here;
 * a retry repeats it, so the server stores it once. Unsent answers survive a reload (localStorage)
 * and are retried with backoff while the network or the server is away; the status says
 * "sending", then "not sent yet" while retrying, and "saved" only once the server answered.
 * A refusal (a closed question, a bad choice) comes back as the form with why; it is not retried.
 * Without JavaScript the same form posts normally. The texts come from the page (_outbox.html). */
(function () {
  "use strict";
  var held = document.querySelector("[data-outbox-held]");
  if (!held || !window.fetch || !window.localStorage || !window.DOMParser) return;
  var KEY = "facilitator-answers:" + held.dataset.outboxCode;
  var canSend = !!document.getElementById("phone-panel");
  var timers = {};
  var SEND_TIMEOUT_MS = 30000;  // as outbox.js: the server's overload gate never keeps a phone longer

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { return {}; }
  }
  function save(items) {
    try { localStorage.setItem(KEY, JSON.stringify(items)); } catch (e) { /* private mode: memory only */ }
  }
  function put(item) { var items = load(); items[item.questionId] = item; save(items); }
  function drop(item) {
    var items = load();
    // Only this send: a newer answer to the same question may have replaced it meanwhile.
    if (items[item.questionId] && items[item.questionId].id === item.id) delete items[item.questionId];
    save(items);
  }
  function current(item) { var found = load()[item.questionId]; return found && found.id === item.id ? found : null; }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function text(name) { return held.dataset["msg" + name.charAt(0).toUpperCase() + name.slice(1)] || name; }

  // The status line stays in the page (a live region); only its words change.
  function announce(questionId, words) {
    var region = document.getElementById("q-" + questionId + "-answer-status");
    if (!region) return;
    var span = document.createElement("span");
    span.className = "pending";
    span.textContent = words;
    region.replaceChildren(span);
  }
  // A page drawn by the server shows the stored answer; an answer still on its way is what the
  // person chose last, so the form shows that one.
  function restore(item) {
    var form = document.querySelector('form[data-answer-outbox="' + item.questionId + '"]');
    if (!form) return;
    var chosen = function (name, value) {
      return item.fields.some(function (pair) { return pair[0] === name && pair[1] === value; });
    };
    form.querySelectorAll("input, select").forEach(function (input) {
      if (input.type === "radio" || input.type === "checkbox") input.checked = chosen(input.name, input.value);
      else if (input.tagName === "SELECT" || input.type === "text") {
        var pair = item.fields.filter(function (p) { return p[0] === input.name; })[0];
        input.value = pair ? pair[1] : "";
      }
    });
    // A ranking's rows follow the numbers restored (ranking.js).
    form.dispatchEvent(new CustomEvent("facilitator:answer-restored", { bubbles: true }));
  }
  function showPending() {
    var items = load();
    Object.keys(items).forEach(function (id) { restore(items[id]); announce(id, text(items[id].state)); });
  }

  function csrfToken() {
    var field = document.querySelector('input[name="csrf_token"]');
    return field ? field.value : "";
  }

  // The server's answer block replaces the old one: the choices as stored, the status, the results.
  function replaceBlock(item, html) {
    var block = new DOMParser().parseFromString(html, "text/html").getElementById("q-" + item.questionId + "-answer");
    var here = document.getElementById("q-" + item.questionId + "-answer");
    if (!block || !here) return;
    var fresh = document.importNode(block, true);
    here.replaceWith(fresh);
    // ranking.js adds its handles and buttons to the new block.
    fresh.dispatchEvent(new CustomEvent("facilitator:answer-replaced", { bubbles: true }));
  }

  function send(item) {
    if (!canSend) return;
    clearTimeout(timers[item.questionId]);
    item.state = "sending";
    put(item);
    announce(item.questionId, text("sending"));
    var body = new FormData();
    item.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    body.append("csrf_token", csrfToken());
    body.append("client_id", item.id);
    // No answer within the time the overload gate gives a phone: give up this try and retry
    // (the same client_id, so a late first try is not stored twice).
    var abort = window.AbortController ? new AbortController() : null;
    var timeout = abort && setTimeout(function () { abort.abort(); }, SEND_TIMEOUT_MS);
    fetch(item.url, { method: "POST", body: body, credentials: "same-origin", headers: { "HX-Request": "true" },
                      signal: abort ? abort.signal : undefined })
      .then(function (response) {
        clearTimeout(timeout);
        if (response.status === 408 || response.status === 429 || response.status >= 500) {
          return retryLater(item, response.headers.get("Retry-After"));
        }
        return response.text().then(function (html) {
          if (!current(item)) return;  // a newer answer was sent meanwhile: it has the last word
          drop(item);
          if (response.redirected) { announce(item.questionId, text("closed")); return; }
          replaceBlock(item, html);
        });
      })
      .catch(function () { clearTimeout(timeout); retryLater(item, null); });
  }

  function retryLater(item, retryAfter) {
    var found = current(item);
    if (!found) return;
    found.attempts = (found.attempts || 0) + 1;
    found.state = "retrying";
    put(found);
    announce(found.questionId, text("retrying"));
    // Retry-After when the server said when; otherwise backoff. Jitter keeps a room's phones apart.
    var wait = retryAfter ? Number(retryAfter) * 1000 * (1 + Math.random() / 2)
      : Math.min(60000, 1000 * Math.pow(2, found.attempts)) * (0.5 + Math.random());
    timers[found.questionId] = setTimeout(function () { send(found); }, wait);
  }

  function sendPending() {
    var items = load();
    Object.keys(items).forEach(function (id) { send(items[id]); });
  }

  // What an answer form says, as the pairs the server reads (the form's token and id are added per send).
  function fieldsOf(form) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token" && name !== "client_id") fields.push([name, value]);
    });
    return fields;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-answer-outbox]")) return;
    event.preventDefault();
    send({ id: newId(), url: form.action, questionId: form.dataset.answerOutbox, fields: fieldsOf(form), state: "sending" });
  });

  // Questions to the panel: a question the room asked arrives in a hidden list (live.js); the
  // block is then refetched, spread over a few seconds so a large room does not come at once,
  // and only when the phone is looked at (a phone in a pocket refetches when it is taken out).
  var stale = {};
  function refetchPanel(questionId) {
    if (document.hidden) { stale[questionId] = true; return; }
    delete stale[questionId];
    var block = document.getElementById("q-" + questionId + "-panel");
    if (block && window.htmx) htmx.trigger(block, "refresh");
  }
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      var list = change.target.closest && change.target.closest("[data-qanda-pushed]");
      if (!list || !change.addedNodes.length) return;
      var questionId = list.dataset.suggestionsFor;
      if (timers["panel-" + questionId]) return;
      timers["panel-" + questionId] = setTimeout(function () {
        delete timers["panel-" + questionId];
        refetchPanel(questionId);
      }, 500 + Math.random() * 4500);
    });
  }).observe(document.body, { childList: true, subtree: true });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) Object.keys(stale).forEach(refetchPanel);
  });

  // A choice made but not yet sent is the person's own, like a text being typed (live.js keeps
  // those): when the facilitator changes something and the panel is fetched again, what they had
  // chosen, or the order they had put together, is put back into the new form. An answer on its
  // way is put back by showPending instead, from the outbox.
  var unsent = {};
  function changed(form) {
    return Array.prototype.some.call(form.querySelectorAll("input, select"), function (input) {
      if (input.type === "hidden") return false;
      if (input.type === "radio" || input.type === "checkbox") return input.checked !== input.defaultChecked;
      if (input.tagName === "SELECT") {
        return Array.prototype.some.call(input.options, function (option) { return option.selected !== option.defaultSelected; });
      }
      return input.value !== input.defaultValue;
    });
  }
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.querySelectorAll) return;
    target.querySelectorAll("form[data-answer-outbox]").forEach(function (form) {
      if (!changed(form)) return;
      unsent[form.dataset.answerOutbox] = { questionId: form.dataset.answerOutbox, fields: fieldsOf(form) };
    });
  });
  document.body.addEventListener("htmx:afterSwap", function () {
    var waiting = load();
    Object.keys(unsent).forEach(function (questionId) { if (!waiting[questionId]) restore(unsent[questionId]); });
    unsent = {};
  });
  document.body.addEventListener("htmx:afterSwap", showPending);
  window.addEventListener("online", sendPending);
  document.addEventListener("facilitator:reconnected", sendPending);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) sendPending(); });
  showPending();
  sendPending();
})();
