// The glue between Socket.IO and htmx. The server's events are only nudges: each one becomes
// an htmx trigger on <body>, and the elements that listen for it re-read themselves over HTTP.
//   live:resync   — (re)connected: everything re-reads the truth
//   live:request  — a request moved (payload: seq, request, room, kind, action, state, by)
//   live:staff    — duty or team changed
//   live:recovery — a customer rated the visit 1 or 2 (managers only)
// Also: timers that tick ([data-waited]), sound and vibration for new requests on handhelds,
// the idle reset of the kiosk, and the dismissable problem message.
(function () {
  "use strict";
  const body = document.body;
  const HEARTBEAT_MS = 20000;

  // --- Socket.IO → htmx -------------------------------------------------------------------
  function connect(namespace) {
    const socket = io(namespace);
    const banner = document.getElementById("connection");
    // The highest event number seen; the heartbeat's answer tells us if we missed one since.
    let lastSeq = 0;
    function heartbeat() {
      socket.emit("heartbeat", function (answer) {
        if (answer && answer.seq > lastSeq) {
          if (lastSeq) htmx.trigger(body, "live:resync");
          lastSeq = answer.seq;
        }
      });
    }
    function saw(payload) { lastSeq = Math.max(lastSeq, payload.seq || 0); }
    socket.on("connect", function () {
      banner.hidden = true;
      body.classList.remove("is-offline");
      htmx.trigger(body, "live:resync");
      lastSeq = 0;
      heartbeat();
    });
    socket.on("disconnect", function () {
      banner.hidden = false;
      body.classList.add("is-offline");
    });
    socket.on("request", function (payload) {
      saw(payload);
      htmx.trigger(body, "live:request", payload);
      const isNew = payload.action === "created" || payload.action === "resent";
      if (isNew && body.dataset.alertNew !== undefined) alertNewRequest();
    });
    // Delivery receipts: every open request this screen shows, whether it was pushed, loaded
    // with the page or re-read after a reconnect. The server ignores repeats.
    function confirmShown() {
      if (!socket.connected) return;
      document.querySelectorAll("[data-confirm]").forEach(function (card) {
        socket.emit("received", { request: Number(card.dataset.confirm) });
      });
    }
    socket.on("connect", confirmShown);
    body.addEventListener("htmx:afterSettle", confirmShown);
    socket.on("staff", function (payload) { htmx.trigger(body, "live:staff", payload); });
    socket.on("alert", function (payload) {
      saw(payload);
      htmx.trigger(body, "live:request", payload);
      if (body.dataset.alertNew !== undefined) alertNewRequest();
    });
    socket.on("recovery", function (payload) {
      htmx.trigger(body, "live:recovery", payload);
      if (body.dataset.alertNew !== undefined) alertNewRequest();
    });
    // Supervision: the server notes when each device was last heard from.
    setInterval(function () { if (socket.connected) heartbeat(); }, HEARTBEAT_MS);
    return socket;
  }

  // --- sound and vibration ------------------------------------------------------------------
  let audio = null;
  // Browsers only let a page play sound after a tap on it: the first tap unlocks it.
  document.addEventListener("pointerdown", function () {
    if (!audio && window.AudioContext) audio = new AudioContext();
    if (audio && audio.state === "suspended") audio.resume();
  }, { passive: true });

  function alertNewRequest() {
    // Like sound, vibration needs a tap on the page first; asking sooner only logs an error.
    const touched = !navigator.userActivation || navigator.userActivation.hasBeenActive;
    if (navigator.vibrate && touched) navigator.vibrate([200, 100, 200]);
    if (!audio || audio.state !== "running") return;
    [0, 0.18].forEach(function (delay) {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.3, audio.currentTime + delay);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + delay + 0.15);
      tone.connect(gain).connect(audio.destination);
      tone.start(audio.currentTime + delay);
      tone.stop(audio.currentTime + delay + 0.16);
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

  if (body.dataset.live && window.io) window.liveSocket = connect(body.dataset.live);
  if (body.dataset.idleSeconds) watchIdle(Number(body.dataset.idleSeconds));
  tick();
  setInterval(tick, 1000);
})();
