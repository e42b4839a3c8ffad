// The handheld as an app: order, alerts, sound, notifications, the off-screen count and the
// offline shell. It only watches the page — cards pushed by the server, a queue re-read over
// HTTP or a card swapped after a tap all look the same to it — so it never cares how a card came.
//   DOM events heard: live:request, live:alert (escalation), live:card, live:resync,
//   htmx:afterSettle, and any change inside #queue (MutationObserver).
//   What it records for anyone to check: body[data-alerts] (how many alerts rang),
//   body[data-last-alert] ("new" or "urgent"), body[data-sound] ("on" / "off").
(function () {
  "use strict";
  const body = document.body;
  const me = body.dataset.me || "";
  const URGENT_REPEAT_MS = 10000;
  const BELOW_BAR_PX = 52;

  // --- what this device has already seen (per tab, so a reload keeps it, a new person does not)
  const store = {
    read: function (key) {
      try { return new Set(JSON.parse(sessionStorage.getItem("handheld:" + key) || "[]")); }
      catch (error) { return new Set(); }
    },
    write: function (key, set) {
      // Only the latest few hundred: ids grow, and old ones never come back.
      sessionStorage.setItem("handheld:" + key, JSON.stringify(Array.from(set).slice(-500)));
    },
  };
  if (sessionStorage.getItem("handheld:me") !== me) {
    ["seen", "unlooked"].forEach(function (key) { sessionStorage.removeItem("handheld:" + key); });
    sessionStorage.setItem("handheld:me", me);
  }
  const seen = store.read("seen");
  const unlooked = store.read("unlooked");

  // --- sound: browsers let a page play only after a tap on it, so the first tap unlocks it ----
  const soundButton = document.getElementById("sound");
  let audio = null;
  function showSound() {
    const on = Boolean(audio && audio.state === "running");
    body.dataset.sound = on ? "on" : "off";
    if (soundButton) soundButton.dataset.sound = body.dataset.sound;
  }
  function unlock() {
    if (!audio && window.AudioContext) {
      audio = new AudioContext();
      audio.addEventListener("statechange", showSound);
    }
    if (audio && audio.state !== "running") audio.resume().then(showSound, showSound);
    askToNotify();
    showSound();
  }
  ["click", "touchend", "keydown"].forEach(function (name) {
    document.addEventListener(name, unlock, { capture: true, passive: true });
  });

  function tone(at, frequency, length, type, volume) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = type;
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(volume, at);
    gain.gain.exponentialRampToValueAtTime(0.001, at + length);
    osc.connect(gain).connect(audio.destination);
    osc.start(at);
    osc.stop(at + length + 0.01);
  }
  const SOUNDS = {
    // a short, friendly two-note chime
    new: function (t) { tone(t, 880, 0.18, "sine", 0.35); tone(t + 0.16, 1320, 0.3, "sine", 0.3); },
    // sharp, high and insistent: three pulses, twice
    urgent: function (t) {
      for (let i = 0; i < 6; i += 1) tone(t + i * 0.14 + (i > 2 ? 0.2 : 0), 1560, 0.1, "square", 0.25);
    },
  };
  // (knock.js has the knock's own: its answers and "the customer has left")
  const VIBRATIONS = { new: [200, 100, 200], urgent: [400, 120, 400, 120, 400] };

  function ring(kind, cards) {
    body.dataset.alerts = String(Number(body.dataset.alerts || 0) + 1);
    body.dataset.lastAlert = kind;
    const touched = !navigator.userActivation || navigator.userActivation.hasBeenActive;
    if (navigator.vibrate && touched) navigator.vibrate(VIBRATIONS[kind]);
    if (audio && audio.state === "running") SOUNDS[kind](audio.currentTime + 0.02);
    if (document.visibilityState === "hidden") notify(kind, cards);
  }

  // --- system notifications, where the person allowed them, while the page is not in sight ----
  function askToNotify() {
    if (window.Notification && Notification.permission === "default") {
      Notification.requestPermission().catch(function () {});
    }
  }
  function notify(kind, cards) {
    if (!window.Notification || Notification.permission !== "granted" || !soundButton) return;
    const title = soundButton.dataset[kind === "new" ? "notifyNew" : "notifyUrgent"];
    const lines = cards.map(function (card) {
      const room = card.querySelector(".ticket__room");
      const what = card.querySelector(".ticket__what");
      return (room ? room.textContent.trim() : "") + " — " + (what ? what.textContent.trim() : "");
    });
    const options = {
      body: lines.join("\n"),
      tag: "request-" + (cards[0] ? cards[0].dataset.request : kind),
      renotify: true,
      icon: soundButton.dataset.icon,
      data: { url: location.href },
    };
    // Android only accepts notifications from the worker; desktop browsers take either.
    const fallback = function () { try { new Notification(title, options); } catch (error) { /* none */ } };
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.ready.then(function (worker) {
        return worker.showNotification(title, options);
      }).catch(fallback);
    } else {
      fallback();
    }
  }

  // --- the queue: mine toggled, order kept, new ones marked and alerted ------------------------
  function queue() { return document.getElementById("queue"); }
  function cardsIn(section) { return Array.from(section.querySelectorAll(".ticket[data-request]")); }

  function rank(card) {
    const group = card.dataset.group === "staff" ? 1 : 0;
    let hands = card.dataset.state === "open" ? 1 : 2;  // waiting, then in others' hands
    if (me && card.dataset.claimedBy === me) hands = card.dataset.state === "left" ? -1 : 0;
    return [group, hands, Number(card.dataset.since || 0), Number(card.dataset.request)];
  }
  function compare(a, b) {
    const ra = rank(a), rb = rank(b);
    for (let i = 0; i < ra.length; i += 1) if (ra[i] !== rb[i]) return ra[i] - rb[i];
    return 0;
  }
  function place(section, cards) {
    const list = section.querySelector(".queue__cards") || section;
    const sorted = cards.slice().sort(compare);
    const inOrder = sorted.every(function (card, i) { return list.children[i] === card; });
    if (!inOrder) sorted.forEach(function (card) { list.appendChild(card); });
  }

  function scan() {
    const section = queue();
    if (!section) return;
    const cards = cardsIn(section);
    const fresh = [];
    cards.forEach(function (card) {
      const id = card.dataset.request;
      const mine = Boolean(me) && card.dataset.claimedBy === me;
      card.classList.toggle("is-mine", mine);
      if (card.dataset.state === "open") {
        if (!seen.has(id)) { seen.add(id); unlooked.add(id); fresh.push(card); }
      } else {
        unlooked.delete(id);
      }
      card.classList.toggle("is-new", unlooked.has(id));
    });
    place(section, cards);
    store.write("seen", seen);
    store.write("unlooked", unlooked);
    tally(cards);
    if (fresh.length) ring("new", fresh);
    urgent(false);
    below();
  }

  function write(el, text) {
    if (el.textContent !== text) el.textContent = text;
  }

  function tally(cards) {
    const counts = {
      open: cards.filter(function (c) { return c.dataset.state === "open"; }).length,
      mine: cards.filter(function (c) { return c.classList.contains("is-mine"); }).length,
    };
    document.querySelectorAll("[data-tally]").forEach(function (el) {
      write(el, String(counts[el.dataset.tally]));
    });
  }

  // Looked at: tapped. Until then a card that arrived while nobody watched keeps its mark.
  document.addEventListener("click", function (event) {
    const card = event.target.closest && event.target.closest(".ticket.is-new");
    if (!card) return;
    unlooked.delete(card.dataset.request);
    store.write("unlooked", unlooked);
    card.classList.remove("is-new");
  });

  // --- escalation: urgent, and again every few seconds until someone takes it ------------------
  let lastUrgent = 0;
  function onDuty() {
    const duty = document.getElementById("duty");
    return !duty || duty.classList.contains("duty--on");
  }
  function urgent(now) {
    const section = queue();
    const waiting = section ? cardsIn(section).filter(function (card) {
      return card.dataset.state === "open" && Number(card.dataset.escalation || 0) > 0;
    }) : [];
    if (!now && (!waiting.length || !onDuty())) return;
    if (!now && Date.now() - lastUrgent < URGENT_REPEAT_MS) return;
    lastUrgent = Date.now();
    ring("urgent", waiting);
  }
  setInterval(function () { urgent(false); }, 1000);

  // --- how many waiting requests are out of sight, pinned to the bottom -----------------------
  const bar = document.getElementById("below");
  function offscreen() {
    const section = queue();
    if (!section) return [];
    const bottom = window.innerHeight - BELOW_BAR_PX;
    return cardsIn(section).filter(function (card) {
      return card.dataset.state === "open" && card.getBoundingClientRect().bottom > bottom;
    });
  }
  function below() {
    if (!bar) return;
    const hidden = offscreen();
    bar.hidden = hidden.length === 0;
    write(bar.querySelector(".below__count"), String(hidden.length));
  }
  if (bar) {
    bar.addEventListener("click", function () {
      const first = offscreen()[0];
      if (first) first.scrollIntoView({ behavior: "smooth", block: "center" });
    });
  }
  let belowQueued = false;
  function belowSoon() {
    if (belowQueued) return;
    belowQueued = true;
    requestAnimationFrame(function () { belowQueued = false; below(); });
  }
  window.addEventListener("scroll", belowSoon, { passive: true });
  window.addEventListener("resize", belowSoon);

  // --- offline: the worker served the last queue it kept ---------------------------------------
  const offlineSince = body.dataset.offlineSince;
  if (offlineSince) {
    const note = document.getElementById("offline-since");
    const at = new Date(Number(offlineSince)).toLocaleTimeString(document.documentElement.lang, {
      hour: "2-digit", minute: "2-digit",
    });
    note.textContent = note.dataset.text.replace("{time}", at);
    note.hidden = false;
    body.classList.add("is-offline-shell");
    // The kept timers were right when kept; they have gone on waiting since.
    const gone = Math.max(0, (Date.now() - Number(offlineSince)) / 1000);
    document.querySelectorAll("#queue [data-waited]").forEach(function (timer) {
      timer.dataset.waited = String(Number(timer.dataset.waited) + gone);
    });
  }

  // --- wiring ---------------------------------------------------------------------------------
  let scanQueued = false;
  function scanSoon() {
    if (scanQueued) return;
    scanQueued = true;
    queueMicrotask(function () { scanQueued = false; scan(); });
  }
  // #queue itself is replaced by a re-read, so watch its parent, but only for changes in it.
  const main = (queue() && queue().parentElement) || body;
  new MutationObserver(function (records) {
    const inQueue = records.some(function (record) {
      const target = record.target;
      return (target.closest && target.closest("#queue")) ||
        Array.from(record.addedNodes).some(function (node) { return node.id === "queue"; });
    });
    if (inQueue) scanSoon();
  }).observe(main, { childList: true, subtree: true });
  ["live:card", "live:request", "htmx:afterSettle"].forEach(function (name) {
    body.addEventListener(name, scanSoon);
  });
  body.addEventListener("live:alert", function () { urgent(true); });
  body.addEventListener("live:resync", function () {
    if (body.classList.contains("is-offline-shell")) location.reload();  // back: the real page
    scanSoon();
  });
  document.addEventListener("visibilitychange", scanSoon);

  if (navigator.serviceWorker && body.dataset.worker) {
    navigator.serviceWorker.register(body.dataset.worker, { scope: body.dataset.workerScope })
      .catch(function () { /* no worker (e.g. plain http on a LAN address): no offline shell */ });
  }
  // Once htmx has processed the page (its DOMContentLoaded listener came first): the cards'
  // buttons take taps (staff.css greys them until then), and a tap on the duty switch made
  // before htmx was listening, which left the radio checked but unsent, is sent.
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.htmx) return;
    body.classList.add("is-ready");
    const duty = document.getElementById("duty");
    const checked = duty && duty.querySelector("input[name=duty]:checked");
    if (checked && !checked.closest(".is-chosen")) htmx.trigger(duty, "change");
  });
  showSound();
  scan();
})();
