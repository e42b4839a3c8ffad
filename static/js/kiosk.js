// Kiosk pages only: the pairing keypad types into the code field (the field works with a
// keyboard too). Everything else on the tablet is plain htmx.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    const key = event.target.closest("[data-key]");
    if (!key) return;
    const field = key.form && key.form.elements.namedItem("code");
    if (!field) return;
    const value = field.value;
    if (key.dataset.key === "back") field.value = value.slice(0, -1);
    else if (key.dataset.key === "clear") field.value = "";
    else if (field.maxLength < 0 || value.length < field.maxLength) field.value = value + key.dataset.key;
    field.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();

// The outbox. A tap that asks for something ([data-outbox] forms) carries a key made here, new
// for each tap. If the server cannot be reached, the tablet says so plainly and sends the same
// tap again, with the same key, until the server answers: the key makes the retry safe, so the
// request is neither lost nor made twice. The pending tap survives a reload (sessionStorage).
(function () {
  "use strict";
  const body = document.body;
  const STORE = "kiosk-outbox";
  const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000];
  let attempt = 0;

  function newKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);  // unlike randomUUID, also works on a plain-http store LAN
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }
  function pending() { return JSON.parse(sessionStorage.getItem(STORE) || "null"); }
  function remember(item) {
    sessionStorage.setItem(STORE, JSON.stringify(item));
    body.dataset.outboxPending = "";
  }
  function forget() {
    sessionStorage.removeItem(STORE);
    delete body.dataset.outboxPending;
    attempt = 0;
  }
  function say(templateId) {
    const problem = document.getElementById("problem");
    const template = document.getElementById(templateId);
    if (problem && template) problem.replaceChildren(template.content.cloneNode(true));
  }

  body.addEventListener("htmx:configRequest", function (event) {
    const form = event.detail.elt.closest && event.detail.elt.closest("form[data-outbox]");
    if (!form || pending()) return;
    const values = Object.fromEntries(event.detail.formData || []);
    values.client_key = newKey();
    event.detail.parameters.client_key = values.client_key;
    remember({ path: event.detail.path, values: values });
  });

  body.addEventListener("htmx:afterRequest", function (event) {
    if (!pending()) return;
    if (event.detail.xhr && event.detail.xhr.status > 0) {  // the server answered: it has the tap
      forget();
      const problem = document.getElementById("problem");
      if (problem && problem.querySelector("[data-status='0']")) problem.innerHTML = "";
      return;
    }
    say("outbox-waiting");
    setTimeout(resend, BACKOFF_MS[Math.min(attempt++, BACKOFF_MS.length - 1)]);
  });

  function resend() {
    const item = pending();
    if (!item) return;
    htmx.ajax("POST", item.path, { source: body, values: item.values, target: "#screen", swap: "outerHTML" })
      .catch(function () {});  // a failed attempt is handled by htmx:afterRequest above
  }

  if (pending()) {  // reloaded while a tap was still unsent
    body.dataset.outboxPending = "";
    say("outbox-waiting");
    resend();
  }
})();
