// The console's offline worker (served at <base>console/sw.js; its scope is <base>console/).
// It keeps one page shell per page kind and the static files they use, so a console page
// loads with no network: a reload, a new tab, a tablet that dropped the page. The meet's
// data is not here: the JavaScript client keeps it in IndexedDB.
//
// Page shells: network first while the server answers (a new deploy is picked up at once),
// the saved shell when it does not. Static files: a request whose ?v= is the hash of the
// saved copy is answered from the cache (the content cannot differ); anything else goes to
// the network first. Everything else (the WebSocket, the JSON API, /admin, display pages
// and any URL with a key or token) is never touched: the browser fetches it as usual.
"use strict";

const MANIFEST = {{ manifest_json|safe }};
const CACHE_PREFIX = "openlifter-console-";
const CACHE = CACHE_PREFIX + MANIFEST.version;
// After the network failed, go to the cache first for a while: a page's modules then load
// at once instead of each waiting for the timeout.
const OFFLINE_MEMORY_MS = 5000;
const SECRET_PARAMS = ["key", "token", "sessionToken", "displayKey", "admin_token"];

const scopePath = new URL(MANIFEST.base, self.location.origin).pathname;
const shellUrls = new Set(Object.values(MANIFEST.shells));
let offlineUntil = 0;

/** The page kind of a console URL's path, or null when it is no console page. */
function pageKind(path) {
  if (!path.startsWith(scopePath)) return null;
  const rest = path.slice(scopePath.length);
  if (rest === "console" || rest === "console/") return "home";
  if (rest === "console/go-live") return "go-live";
  if (rest === "console/join") return "join";
  const meet = /^console\/meets\/[^/]+\/(weigh-in|table|referee)?$/.exec(rest);
  if (meet) return meet[1] || "meet";
  const shell = /^console\/shell\/([a-z-]+)$/.exec(rest);
  return shell && MANIFEST.shells[shell[1]] ? shell[1] : null;
}

function carriesSecret(url) {
  return SECRET_PARAMS.some((name) => url.searchParams.has(name));
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // Past the browser's HTTP cache: what is saved must be this deploy's bytes.
    const urls = [...shellUrls, ...Object.keys(MANIFEST.static)];
    try {
      await cache.addAll(urls.map((url) => new Request(url, { cache: "no-cache" })));
    } catch (error) {
      await caches.delete(CACHE); // all or nothing: the previous worker stays in charge
      throw error;
    }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

/** The network, given up after the configured time (a venue network may hang rather than fail). */
async function fromNetwork(request) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), MANIFEST.network_timeout_ms);
  try {
    const response = await fetch(request, { signal: controller.signal });
    offlineUntil = 0;
    return response;
  } catch (error) {
    offlineUntil = Date.now() + OFFLINE_MEMORY_MS;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function fromCache(url, options) {
  const cache = await caches.open(CACHE);
  return cache.match(url, options);
}

/** Network first; the saved copy when the network fails (or failed a moment ago). */
async function networkFirst(request, savedUrl, options) {
  if (Date.now() < offlineUntil) {
    const saved = await fromCache(savedUrl, options);
    if (saved) return saved;
  }
  try {
    return await fromNetwork(request);
  } catch (error) {
    const saved = await fromCache(savedUrl, options);
    if (saved) return saved;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || carriesSecret(url)) return;
  if (request.mode === "navigate") {
    const kind = pageKind(url.pathname);
    if (kind) event.respondWith(networkFirst(request, MANIFEST.shells[kind]));
    return;
  }
  const plain = url.origin + url.pathname;
  const hash = MANIFEST.static[url.pathname];
  if (hash === undefined) return;
  if (url.searchParams.get("v") === hash) {
    event.respondWith((async () => (await fromCache(url.pathname, { ignoreSearch: true })) || fromNetwork(request))());
  } else {
    event.respondWith(networkFirst(new Request(plain, { cache: "no-cache", credentials: request.credentials }), url.pathname, { ignoreSearch: true }));
  }
});
