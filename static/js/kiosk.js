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

// The outbox. Each form that asks for something ([data-outbox]) carries a key the server drew
// into it (client_key), one per form. If the server cannot be reached — no network, no answer
// within the form's timeout, or an answer that is neither a success nor one of the server's
// deliberate refusals (X-Refused) — the tablet says so plainly and sends the same tap again, with the
// same values and key, waiting a little longer each time, until the server answers: the key makes
// the retry safe, so the request is neither lost nor made twice. Unsent taps survive a reload
// (sessionStorage) and are forgotten once answered. Nothing here ever claims a tap was sent:
// "Sent" only appears in the status screen the server returns.
(function () {
  "use strict";
  const body = document.body;
  const STORE = "kiosk-outbox";
  const TIMEOUT_MS = 8000;  // also on the forms (hx-request); re-sends have no form to read it from
  const FIRST_WAIT_MS = 1000;
  const LONGEST_WAIT_MS = 15000;
  // The server marks the answers that refuse a tap on purpose (a 4xx with its own message).
  const REFUSAL_HEADER = "X-Refused";
  let wait = FIRST_WAIT_MS;
  let timer = null;

  // --- the unsent taps, oldest first: [{path, values}] -------------------------------------
  function unsent() {
    try {
      return JSON.parse(sessionStorage.getItem(STORE)) || [];
    } catch (error) {
      return [];
    }
  }
  function keep(taps) {
    if (taps.length) {
      sessionStorage.setItem(STORE, JSON.stringify(taps));
      body.dataset.outboxPending = "";  // live.js leaves the send errors of these taps to us
    } else {
      sessionStorage.removeItem(STORE);
      delete body.dataset.outboxPending;
    }
  }
  function isUnsent(key) {
    return Boolean(key) && unsent().some(function (tap) { return tap.values.client_key === key; });
  }
  function newKey() {  // only for a page drawn before the server put keys in its forms
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);  // unlike randomUUID, also works on a plain-http store LAN
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  // --- what the customer sees ---------------------------------------------------------------
  function sayWaiting() {
    const problem = document.getElementById("problem");
    const template = document.getElementById("outbox-waiting");
    if (problem && template && !problem.querySelector("[data-outbox-waiting]")) {
      problem.replaceChildren(template.content.cloneNode(true));
    }
  }
  function stopSayingWaiting() {
    const problem = document.getElementById("problem");
    if (problem && problem.querySelector("[data-outbox-waiting]")) problem.innerHTML = "";
  }

  // --- sending ------------------------------------------------------------------------------
  // A tap on an outbox form is written down before it leaves; every attempt, the first
  // included, is watched on its own XHR (an htmx event may be lost when the screen changes).
  body.addEventListener("htmx:configRequest", function (event) {
    const detail = event.detail;
    const form = detail.elt.closest && detail.elt.closest("form[data-outbox]");
    if (form) {
      if (!detail.formData.get("client_key")) detail.parameters.client_key = newKey();
      const key = detail.formData.get("client_key");
      if (!isUnsent(key)) keep(unsent().concat([{ path: detail.path, values: Object.fromEntries(detail.formData) }]));
    }
    if (isUnsent(detail.formData && detail.formData.get("client_key"))) detail.timeout = TIMEOUT_MS;
  });

  body.addEventListener("htmx:beforeSend", function (event) {
    const config = event.detail.requestConfig;
    const key = config && config.formData && config.formData.get("client_key");
    if (!isUnsent(key)) return;
    const xhr = event.detail.xhr;
    // loadend comes after htmx's own load/error handling: the answer is already on screen.
    xhr.addEventListener("loadend", function () {
      if (settled(xhr)) delivered(key);
      else notYet();
    });
  });

  // Only a success or the server's deliberate refusal settles a tap. Anything else — no
  // network, a 500 (the database or the rate-limit store was down), a proxy's 502 — may have
  // saved nothing: the same tap goes again, with the same key, and the customer is told.
  function settled(xhr) {
    if (xhr.status >= 200 && xhr.status < 300) return true;
    return xhr.status >= 400 && xhr.status < 500 && xhr.getResponseHeader(REFUSAL_HEADER) === "1";
  }

  function delivered(key) {
    keep(unsent().filter(function (tap) { return tap.values.client_key !== key; }));
    wait = FIRST_WAIT_MS;
    if (unsent().length) {
      clearTimeout(timer);
      timer = null;
      resend();
    } else {
      stopSayingWaiting();
    }
  }

  function notYet() {
    sayWaiting();
    if (timer) return;  // a re-send is already due
    timer = setTimeout(resend, wait);
    wait = Math.min(wait * 2, LONGEST_WAIT_MS);
  }

  function resend() {
    timer = null;
    const tap = unsent()[0];
    if (!tap) return;
    htmx.ajax("POST", tap.path, { source: body, values: tap.values, target: "#screen", swap: "outerHTML" })
      .catch(function () {});  // a failed attempt is seen by its loadend above
  }

  // Another request failing (the customer tapped on while the network is down) may have
  // cleared the message: while a tap is unsent, it stays said.
  body.addEventListener("htmx:afterRequest", function (event) {
    if (unsent().length && event.detail.xhr && !settled(event.detail.xhr)) sayWaiting();
  });

  if (unsent().length) {  // the page was reloaded while a tap was still unsent
    body.dataset.outboxPending = "";
    sayWaiting();
    // htmx reads its settings (the answer handling among them) once the page is ready.
    document.addEventListener("DOMContentLoaded", resend);
  }
})();
