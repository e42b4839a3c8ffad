// The glue between Socket.IO and htmx. Every server event X becomes the DOM event live:X on
// <body>, with the payload as its detail:
//   live:request  — a request moved (payload: seq, request, room, kind, action, state, by, and on
//                   staff pages html: the changed card, rendered once for every handheld)
//   live:alert    — a request waited too long (same payload, plus level)
//   live:staff    — duty or team changed
//   live:recovery — a customer rated the visit 1 or 2 (managers only)
//   live:receipts — handhelds confirmed requests (managers only: counts per request)
//   live:resync   — re-read the truth over HTTP: after a (re)connect, a missed nudge, or a nudge
//                   that carries no card. Coalesced: at most one per 100 ms.
//   live:card     — a pushed card was swapped into #queue (detail: id, action)
//   live:knock    — the kiosk's knock slot may have changed: a knock came, one is showing, or
//                   something was missed (a reconnect, a gap in seq)
// Sound and vibration are not here: static/js/handheld.js listens to these events.
// Also: timers that tick ([data-waited]), the idle reset of the kiosk, the problem message.
(function () {
  "use strict";
  const body = document.body;
  const HEARTBEAT_MS = 20000;
  const COALESCE_MS = 100;
  // A receipt leaves at a random moment within this long after its burst, so that all the
  // handhelds of a store (or a process's thousands) do not answer one nudge in the same instant:
  // at 2,000 handhelds that storm held back the next nudges (python -m bench live --levels 2000:
  // nudge p50 4.6 s -> 1.1 s, peak RSS 401 -> 314 MB). A manager sees the count a second later.
  const RECEIPT_SPREAD_MS = 1000;

  // --- re-reads, coalesced ------------------------------------------------------------------
  // The first nudge of a burst re-reads at once; the rest of the burst causes one more re-read
  // COALESCE_MS after the last one, never more often.
  let lastResync = 0, resyncTimer = null;
  function resync() {
    if (resyncTimer) return;
    const wait = Math.max(0, lastResync + COALESCE_MS - Date.now());
    resyncTimer = setTimeout(function () {
      resyncTimer = null;
      lastResync = Date.now();
      htmx.trigger(body, "live:resync");
    }, wait);
  }

  // --- pushed cards -------------------------------------------------------------------------
  // The card is the same for every handheld; whose it is, is marked here.
  function markMine(root) {
    const me = body.dataset.me;
    root.querySelectorAll("[data-claimed-by]").forEach(function (card) {
      card.classList.toggle("is-mine", Boolean(me) && card.dataset.claimedBy === me);
    });
  }
  // Out-of-band swap: replace the card, insert a new one into the queue, or remove a closed one.
  function swapCard(payload) {
    const queue = document.getElementById("queue");
    const old = document.getElementById("request-" + payload.request);
    if (!payload.html) {
      if (old) old.remove();
    } else {
      const template = document.createElement("template");
      template.innerHTML = payload.html.trim();
      const card = template.content.firstElementChild;
      if (old) old.replaceWith(card);
      else queue.appendChild(card);
      const empty = queue.querySelector(".queue__empty");
      if (empty) empty.remove();
      htmx.process(card);
      markMine(queue);
    }
    htmx.trigger(body, "live:card", { id: payload.request, action: payload.action });
  }

  // --- Socket.IO → DOM events ---------------------------------------------------------------
  // A tablet shows its customer's requests only. The room's tidy task is staff work: its three
  // nudges a visit (of six) changed nothing on the tablet's screen, yet each made it re-read its
  // status and its knock slot. Their numbers still count, so the heartbeat finds no gap.
  function concerns(namespace, payload) {
    return !(namespace === "/kiosk" && payload.kind === "tidy");
  }
  // Only a knock puts a question in the knock slot, and only while one shows can a change take
  // it away: other nudges leave the slot as it is, and re-reading it cost a GET each.
  function touchesKnock(payload) {
    return payload.action === "knocked" || document.querySelector("#knock .knock-question") !== null;
  }
  // After a reconnect or a missed nudge, everything is re-read, the knock slot too.
  function missed() {
    resync();
    htmx.trigger(body, "live:knock");
  }

  function connect(namespace) {
    const socket = io(namespace);
    const banner = document.getElementById("connection");
    // The highest event number seen; the heartbeat's answer tells us if we missed one since.
    let lastSeq = 0;
    // Requests this connection has confirmed already; a reconnect confirms everything again.
    const confirmed = new Set();
    let receiptTimer = null;
    function heartbeat() {
      socket.emit("heartbeat", function (answer) {
        if (answer && answer.seq > lastSeq) {
          if (lastSeq) missed();
          lastSeq = answer.seq;
        }
      });
    }
    function saw(payload) { lastSeq = Math.max(lastSeq, payload.seq || 0); }
    socket.on("connect", function () {
      banner.hidden = true;
      body.classList.remove("is-offline");
      confirmed.clear();
      missed();
      lastSeq = 0;
      heartbeat();
    });
    socket.on("disconnect", function () {
      banner.hidden = false;
      body.classList.add("is-offline");
    });
    socket.onAny(function (name, payload) {
      if (name === "request" || name === "alert") {
        saw(payload);
        if (!concerns(namespace, payload)) return;
        // A card in flight may be older than a re-read under way: re-read once more after it.
        const queue = document.getElementById("queue");
        if (queue && "html" in payload) {
          swapCard(payload);
          if (queue.classList.contains("htmx-request")) resync();
        } else {
          resync();
        }
        if (touchesKnock(payload)) htmx.trigger(body, "live:knock", payload);
      } else if (name === "receipts") {
        showReceipts(payload);
      }
      htmx.trigger(body, "live:" + name, payload);
    });

    // Delivery receipts for every open card this screen shows, whether pushed, loaded with the
    // page or re-read: one `shown` with the burst's ids (unanswered). The server ignores repeats.
    function confirmShown() {
      if (receiptTimer) return;
      receiptTimer = setTimeout(function () {
        receiptTimer = null;
        if (!socket.connected) return;
        const ids = [];
        document.querySelectorAll("[data-confirm]").forEach(function (card) {
          const id = Number(card.dataset.confirm);
          if (!confirmed.has(id)) { confirmed.add(id); ids.push(id); }
        });
        if (ids.length) socket.emit("shown", { requests: ids });
      }, COALESCE_MS + Math.random() * RECEIPT_SPREAD_MS);
    }
    socket.on("connect", confirmShown);
    body.addEventListener("htmx:afterSettle", confirmShown);
    body.addEventListener("live:card", function (event) {
      if (event.detail.action === "resent") confirmed.delete(event.detail.id);
      confirmShown();
    });
    // Supervision: the server notes when each device was last heard from.
    setInterval(function () { if (socket.connected) heartbeat(); }, HEARTBEAT_MS);
    return socket;
  }

  // The board's "devices" column: how many handhelds confirmed each request.
  function showReceipts(payload) {
    Object.entries(payload.counts || {}).forEach(function ([id, count]) {
      document.querySelectorAll('[data-receipts="' + id + '"]').forEach(function (cell) {
        cell.textContent = count;
      });
    });
  }

  // --- timers -------------------------------------------------------------------------------
  // [data-waited] holds the seconds waited when the server rendered it; we count on from there,
  // so the tablet's own clock never matters. data-amber / data-red colour it against the standard.
  const seenAt = new WeakMap();
  function format(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    const mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }
  function tick() {
    const now = Date.now();
    document.querySelectorAll("[data-waited]").forEach(function (el) {
      if (!seenAt.has(el)) seenAt.set(el, now);
      const seconds = Number(el.dataset.waited) + (now - seenAt.get(el)) / 1000;
      el.textContent = format(seconds);
      if (el.dataset.red) el.classList.toggle("is-red", seconds >= Number(el.dataset.red));
      if (el.dataset.amber) {
        el.classList.toggle("is-amber", seconds >= Number(el.dataset.amber) &&
          !(el.dataset.red && seconds >= Number(el.dataset.red)));
      }
    });
  }

  // --- kiosk idle reset ---------------------------------------------------------------------
  // After data-idle-seconds without a touch, body gets "kiosk:idle"; the page decides what that does.
  function watchIdle(seconds) {
    let timer = null;
    function restart() {
      clearTimeout(timer);
      timer = setTimeout(function () { htmx.trigger(body, "kiosk:idle"); }, seconds * 1000);
    }
    ["pointerdown", "keydown"].forEach(function (name) {
      document.addEventListener(name, restart, { passive: true });
    });
    body.addEventListener("htmx:afterSwap", restart);
    restart();
  }

  // --- problem messages ---------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-dismiss]")) document.getElementById("problem").innerHTML = "";
  });
  // A request that never reached the server must never look as if it was sent.
  body.addEventListener("htmx:sendError", function () {
    if (body.dataset.outboxPending !== undefined) return;  // kiosk.js is re-sending it
    const problem = document.getElementById("problem");
    const template = document.getElementById("send-error");
    if (problem && template) problem.replaceChildren(template.content.cloneNode(true));
  });
  // A new tap clears the last message; a background refresh does not.
  body.addEventListener("htmx:beforeRequest", function (event) {
    const cause = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    const problem = document.getElementById("problem");
    if (problem && cause && (cause.type === "click" || cause.type === "submit")) problem.innerHTML = "";
  });

  body.addEventListener("htmx:afterSettle", function () { markMine(document); });
  markMine(document);
  if (body.dataset.live && window.io) window.liveSocket = connect(body.dataset.live);
  if (body.dataset.idleSeconds) watchIdle(Number(body.dataset.idleSeconds));
  tick();
  setInterval(tick, 1000);
})();
