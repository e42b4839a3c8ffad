// The handheld's service worker (scope /staff/). It keeps the last queue this device was shown,
// and when the network is gone it serves that instead of the browser's error page, marked with
// the time it was last fresh (body[data-offline-since], shown by handheld.js). Everything else
// goes to the network as usual; nothing is kept after signing out.
"use strict";

const CACHE = "handheld-v1";
const PAGE = new URL("./", self.registration.scope).pathname; // the queue page, /staff/
const PARTIAL = PAGE + "queue"; // the queue alone, re-read on every nudge
const SIGN_OUT = PAGE + "signout";
const SAVED_AT = "X-Saved-At";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (keys) {
        return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) {
          return caches.delete(k);
        }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/socket.io/")) return;
  if (request.method === "POST" && url.pathname === SIGN_OUT) {
    event.respondWith(forget().then(function () { return fetch(request); }));
  } else if (request.method !== "GET") {
    return;
  } else if (request.mode === "navigate" && url.pathname === PAGE) {
    event.respondWith(queuePage(request));
  } else if (url.pathname === PARTIAL) {
    event.respondWith(fetch(request).then(function (response) { return keep(PARTIAL, response); }));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(networkThenCache(request));
  }
});

// The queue page: fresh from the network; the kept one, marked, when there is none.
function queuePage(request) {
  return fetch(request).then(
    function (response) {
      if (response.type === "opaqueredirect" || response.redirected) {
        return forget().then(function () { return response; }); // signed out: keep nothing
      }
      return keep(PAGE, response);
    },
    function (error) {
      return offlineShell().then(function (shell) {
        if (shell) return shell;
        throw error;
      });
    }
  );
}

function keep(key, response) {
  if (!response.ok || !(response.headers.get("Content-Type") || "").startsWith("text/html")) {
    return response;
  }
  return response.clone().text().then(function (html) {
    const headers = new Headers(response.headers);
    headers.set(SAVED_AT, String(Date.now()));
    ["Content-Length", "Content-Encoding"].forEach(function (name) { headers.delete(name); });
    return caches.open(CACHE)
      .then(function (cache) { return cache.put(key, new Response(html, { headers: headers })); })
      .then(function () { return response; });
  });
}

function networkThenCache(request) {
  return fetch(request).then(
    function (response) {
      if (response.ok) {
        const copy = response.clone();
        caches.open(CACHE).then(function (cache) { return cache.put(request, copy); });
      }
      return response;
    },
    function (error) {
      return caches.match(request).then(function (kept) {
        if (kept) return kept;
        throw error;
      });
    }
  );
}

// The last page, with its queue replaced by the last queue re-read if that is newer.
function offlineShell() {
  return caches.open(CACHE).then(function (cache) {
    return Promise.all([cache.match(PAGE), cache.match(PARTIAL)]);
  }).then(function (kept) {
    const page = kept[0], partial = kept[1];
    if (!page) return null;
    return Promise.all([page.text(), partial ? partial.text() : ""]).then(function (texts) {
      let html = texts[0];
      let since = Number(page.headers.get(SAVED_AT));
      const partialAt = partial ? Number(partial.headers.get(SAVED_AT)) : 0;
      if (partialAt > since) {
        html = withQueue(html, texts[1]);
        since = partialAt;
      }
      html = html.replace("<body ", '<body data-offline-since="' + since + '" ');
      const headers = new Headers(page.headers);
      headers.delete(SAVED_AT);
      return new Response(html, { headers: headers });
    });
  });
}

function withQueue(html, queue) {
  const start = html.indexOf('<section id="queue"');
  const end = html.indexOf("</section>", start);
  const fresh = queue.trim();
  if (start < 0 || end < 0 || !fresh.startsWith('<section id="queue"')) return html;
  return html.slice(0, start) + fresh + html.slice(end + "</section>".length);
}

function forget() {
  return caches.delete(CACHE);
}

// A tap on a notification brings the queue to the front.
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      const open = windows.find(function (w) { return new URL(w.url).pathname === PAGE; });
      return open ? open.focus() : self.clients.openWindow(PAGE);
    })
  );
});
