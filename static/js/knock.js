// Knock first, on both devices; loaded on the tablet and on staff pages.
//   Tablet:   a chime when "May we come in?" appears, once per knock (also after a reconnect).
//   Handheld: on the handheld of the consultant at the door, a vibration pattern (and tones)
//             of its own for each answer, for "no answer" and for "the customer has left"; and
//             DOM events on <body> for handheld.js: `knock:answered` (detail: {request, answer})
//             and `request:left` (detail: {request}).
//   Both:     a button with data-enable-in="<seconds>" wakes up after that long ("knock again").
(function () {
  "use strict";
  const body = document.body;
  const PATTERNS = {
    come_in: [120, 80, 120],
    wait_a_minute: [450, 150, 450],
    knock_unanswered: [900, 200, 900],
    left: [250, 100, 250, 100, 250, 100, 600],
  };
  const TONES = {
    knocked: [660, 880],
    come_in: [660, 990],
    wait_a_minute: [660, 660],
    knock_unanswered: [440, 330],
    left: [880, 660, 440],
  };

  let audio = null;
  document.addEventListener("pointerdown", function () {
    if (!audio && window.AudioContext) audio = new AudioContext();
    if (audio && audio.state === "suspended") audio.resume();
  }, { passive: true });

  function play(name) {
    if (!audio || audio.state !== "running") return;
    TONES[name].forEach(function (frequency, i) {
      const at = audio.currentTime + i * 0.28;
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = frequency;
      gain.gain.setValueAtTime(0.35, at);
      gain.gain.exponentialRampToValueAtTime(0.001, at + 0.5);
      tone.connect(gain).connect(audio.destination);
      tone.start(at);
      tone.stop(at + 0.52);
    });
  }

  function vibrate(name) {
    // Like sound, vibration needs a tap on the page first; asking sooner only logs an error.
    const touched = !navigator.userActivation || navigator.userActivation.hasBeenActive;
    if (navigator.vibrate && touched) navigator.vibrate(PATTERNS[name]);
  }

  // --- tablet: the chime ------------------------------------------------------------------
  let chimedFor = null;
  function chimeIfAsked() {
    const question = document.querySelector(".knock-question");
    if (!question || question.dataset.knock === chimedFor) return;
    chimedFor = question.dataset.knock;
    play("knocked");
  }

  // --- handheld: the answer, in your hand -------------------------------------------------
  function isMine(card) {
    if (!card) return false;
    const me = body.dataset.me;
    return card.classList.contains("is-mine") || Boolean(me && card.dataset.claimedBy === me);
  }
  body.addEventListener("live:request", function (event) {
    const detail = event.detail || {};
    if (!(detail.action in PATTERNS)) return;
    if (!isMine(document.getElementById("request-" + detail.request))) return;
    vibrate(detail.action);
    play(detail.action);
    const name = detail.action === "left" ? "request:left" : "knock:answered";
    body.dispatchEvent(new CustomEvent(name, {
      bubbles: true,
      detail: { request: detail.request, answer: detail.action },
    }));
  });

  // --- both: buttons that wake up later ---------------------------------------------------
  const sleeping = new WeakSet();
  function wakeLater() {
    document.querySelectorAll("[data-enable-in]").forEach(function (button) {
      if (sleeping.has(button)) return;
      sleeping.add(button);
      setTimeout(function () { button.disabled = false; }, Number(button.dataset.enableIn) * 1000);
    });
  }

  function settle() {
    chimeIfAsked();
    wakeLater();
  }
  body.addEventListener("htmx:afterSettle", settle);
  body.addEventListener("live:card", wakeLater);  // a pushed card is not an htmx swap
  settle();
})();
