/* The phone's outbox: a suggestion is kept on the phone until the server has stored it.
 *
 * Each send gets an id made here when the person taps send; a retry repeats it, so the
 * server stores it once. Unsent items survive a reload or a locked screen (localStorage),
 * are retried with backoff when the network returns, and are shown honestly: "sending",
 * then "not sent yet" while retrying. Nothing says "sent" before the server answered.
 * Without JavaScript the same form posts normally. */
(function () {
  "use strict";
  var code = document.body.dataset.live;
  if (!code || !window.fetch || !window.localStorage) return;
  var KEY = "facilitator-outbox:" + code;
  var timers = {};

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY)) || []; } catch (e) { return []; }
  }
  function save(items) {
    try { localStorage.setItem(KEY, JSON.stringify(items)); } catch (e) { /* full or private mode: keep in memory */ }
  }
  function update(id, change) {
    var items = load().map(function (item) { return item.id === id ? Object.assign(item, change) : item; });
    save(items);
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

  function message(state) {
    var panel = document.getElementById("phone-panel");
    return (panel && panel.dataset["msg" + state.charAt(0).toUpperCase() + state.slice(1)]) || state;
  }

  function render() {
    var items = load();
    document.querySelectorAll("[data-outbox-for]").forEach(function (list) {
      list.textContent = "";
      items.filter(function (item) { return String(item.questionId) === list.dataset.outboxFor; })
        .forEach(function (item) {
          var li = document.createElement("li");
          li.className = "outbox-item " + item.state;
          li.setAttribute("dir", "auto");
          var text = document.createElement("span");
          text.textContent = item.text;
          var state = document.createElement("span");
          state.className = "outbox-state";
          state.textContent = message(item.state);
          li.appendChild(text);
          li.appendChild(document.createTextNode(" "));
          li.appendChild(state);
          list.appendChild(li);
        });
    });
  }

  function csrfToken() {
    var field = document.querySelector('#phone-panel input[name="csrf_token"]');
    return field ? field.value : "";
  }

  function send(item) {
    clearTimeout(timers[item.id]);
    update(item.id, { state: "sending" });
    var body = new FormData();
    body.append("csrf_token", csrfToken());
    body.append("text", item.text);
    body.append("client_id", item.id);
    fetch(item.url, { method: "POST", body: body, credentials: "same-origin",
                      headers: { "HX-Request": "true" } })
      .then(function (response) {
        if (response.redirected) { remove(item.id); window.location.href = response.url; return; }
        if (response.ok || response.status === 422) {
          // Stored (or refused for a reason a retry cannot fix, shown with the text kept).
          return response.text().then(function (html) {
            remove(item.id);
            // The answer is the question's form and own list; the room's list stays.
            var block = document.getElementById("q-" + item.questionId + "-compose");
            if (block) {
              htmx.swap(block, html, { swapStyle: "outerHTML" });
              render();
            }
          });
        }
        retryLater(item, response.headers.get("Retry-After"));
      })
      .catch(function () { retryLater(item, null); });
  }

  function retryLater(item, retryAfter) {
    var current = load().filter(function (i) { return i.id === item.id; })[0];
    if (!current) return;
    var attempts = (current.attempts || 0) + 1;
    var wait = retryAfter ? Number(retryAfter) * 1000 : Math.min(60000, 1000 * Math.pow(2, attempts));
    update(item.id, { state: "retrying", attempts: attempts });
    timers[item.id] = setTimeout(function () { send(current); }, wait + Math.random() * 500);
  }

  function sendAll() {
    load().forEach(send);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-outbox]")) return;
    event.preventDefault();
    var area = form.querySelector("textarea[name=text]");
    var text = area.value.trim();
    if (!text) { area.focus(); return; }
    var item = { id: newId(), url: form.action, questionId: form.dataset.outbox, text: text, state: "sending" };
    save(load().concat([item]));
    area.value = "";
    render();
    send(item);
  });

  document.body.addEventListener("htmx:afterSwap", render);
  window.addEventListener("online", sendAll);
  document.addEventListener("facilitator:reconnected", sendAll);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) sendAll(); });
  render();
  sendAll();
})();
