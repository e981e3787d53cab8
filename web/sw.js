/* Louzu service worker: one named strategy per kind of request, versioned caches per release.
   Served by the app at /sw.js with the release inserted, so a new release is a new worker. */
'use strict';

const RELEASE = "__LOUZU_RELEASE__";              // names the caches; changes with every release
const ASSET_VERSION = "__LOUZU_ASSET_VERSION__";  // the ?v= the pages put on CSS and JS
importScripts('/static/js/outbox.js?v=' + ASSET_VERSION);
const Outbox = self.LouzuOutbox;

const SHELL_CACHE = 'louzu-shell-' + RELEASE;
const SHELL = [
  '/offline',
  '/manifest.webmanifest',
  '/static/css/louzu.css?v=' + ASSET_VERSION,
  '/static/css/offline.css?v=' + ASSET_VERSION,
  '/static/js/outbox.js?v=' + ASSET_VERSION,
  '/static/js/status.js?v=' + ASSET_VERSION,
  '/static/js/forms.js?v=' + ASSET_VERSION,
  '/static/js/app.js?v=' + ASSET_VERSION,
  '/static/js/checks.js?v=' + ASSET_VERSION,
  '/static/js/phone.js?v=' + ASSET_VERSION,
  '/static/js/visits.js?v=' + ASSET_VERSION,
  '/static/js/words.zh_Hans.js?v=' + ASSET_VERSION,
  '/static/js/words.en.js?v=' + ASSET_VERSION,
  '/static/js/drafts.js?v=' + ASSET_VERSION,
  '/static/js/visit_for.js?v=' + ASSET_VERSION,
  '/static/js/roster_form.js?v=' + ASSET_VERSION,
  '/static/js/search.js?v=' + ASSET_VERSION,
  '/static/icons/icon.svg',
  '/static/icons/icon-180.png',
  '/static/icons/icon-192.png',
  '/static/icons/icon-512.png',
];
const NAVIGATION_TIMEOUT_MS = 3000;
const PAGE_FETCH_PARALLEL = 4;
const SYNC_TAG = 'louzu-outbox';
const channel = new BroadcastChannel(Outbox.CHANNEL);

// --- lifecycle ---------------------------------------------------------------------------

self.addEventListener('install', (event) => {
  // Revalidate rather than trust the HTTP cache: the shell must be this release's files.
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) =>
    cache.addAll(SHELL.map((url) => new Request(url, { cache: 'no-cache' })))));
});

self.addEventListener('activate', (event) => {
  // Old shells go; the outbox (IndexedDB) and the kept pages are left alone, so an update
  // never strands an entry. The pages are refetched if this release renders them differently.
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('louzu-shell-') && name !== SHELL_CACHE) await caches.delete(name);
    }
    await Outbox.open();  // runs the outbox migrations of this release
    await self.clients.claim();
    // Not awaited: navigations must not wait behind a refresh of every kept page.
    refreshOfflinePages().catch(() => null);
  })());
});

self.addEventListener('message', (event) => {
  const message = event.data || {};
  if (message.type === 'skip-waiting') self.skipWaiting();
  // A page that loaded while this worker was still installing missed the claim at activate.
  if (message.type === 'claim') event.waitUntil(self.clients.claim());
  if (message.type === 'refresh-pages') event.waitUntil(refreshOfflinePages());
  if (message.type === 'release' && event.source) event.source.postMessage({ type: 'release', release: RELEASE });
});

// Background Sync: the browser wakes us when the network is back, even with no page open.
self.addEventListener('sync', (event) => {
  if (event.tag !== SYNC_TAG) return;
  event.waitUntil(Outbox.flush().then(async (summary) => {
    if (summary.problem === 'session_revoked') return;  // the page tells the leader, then wipes
    if (summary.acknowledged) await refreshOfflinePages();
    // No signal, or no answer from the server: the browser tries again later.
    if (!summary.ok && ['network', 'unreachable'].includes(summary.problem)) throw new Error('no answer');
  }));
});

// --- routing -----------------------------------------------------------------------------

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  // The API is never cached here: sync and auth must always reach the server.
  if (url.pathname.startsWith('/api/')) return;
  // The home search (search.js) asks for fragments of pages; never stored or served as whole pages.
  if (request.headers.get('HX-Request')) return;
  if (request.mode === 'navigate') {
    event.respondWith(networkWithTimeoutFallingBackToCache(event));
    return;
  }
  if (url.pathname.startsWith('/static/') || url.pathname === '/manifest.webmanifest') {
    event.respondWith(cacheFirst(request));
  }
});

// --- strategies --------------------------------------------------------------------------

// Pages: the network if it answers within a few seconds (a stairwell's trickle of signal is
// worse than the kept copy), else the copy kept for this user, else the offline page.
async function networkWithTimeoutFallingBackToCache(event) {
  const request = event.request;
  const network = fetch(request);
  event.waitUntil(network.catch(() => null));  // a slow answer still finishes in the background
  const timeout = new Promise((resolve) => setTimeout(resolve, NAVIGATION_TIMEOUT_MS, 'timeout'));
  try {
    const response = await Promise.race([network, timeout]);
    if (response !== 'timeout' && response.status < 500) return response;
    const kept = await keptPage(request);
    if (kept) return kept;
    if (response !== 'timeout') return response;
    return await network;
  } catch (error) {
    return (await keptPage(request)) || (await caches.match('/offline', { cacheName: SHELL_CACHE })) ||
      Response.error();
  }
}

// Static files: this release's copy, else any release's copy of the same file (a kept page
// may name an older ?v=), else the network, remembered for next time.
async function cacheFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  const hit = (await cache.match(request)) || (await caches.match(request, { ignoreSearch: true }));
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function keptPage(request) {
  const session = await Outbox.session();
  if (!session) return null;
  const cache = await caches.open(Outbox.pagesCacheName(session.user_id));
  return (await cache.match(request, { ignoreSearch: true, ignoreVary: true })) || null;
}

// --- offline pages from the manifest ----------------------------------------------------

let refreshing = null, refreshAgain = false;

function refreshOfflinePages() {
  // One refresh at a time. A request during one (a sync that just finished) runs one more
  // after it: the running one may have read the manifest before that sync's changes.
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  refreshing = doRefresh().finally(() => {
    refreshing = null;
    if (refreshAgain) {
      refreshAgain = false;
      return refreshOfflinePages();
    }
  });
  return refreshing;
}

async function doRefresh() {
  const session = await Outbox.session();
  if (!session || session.problem) return;
  const response = await fetch('/api/sync/manifest', { credentials: 'same-origin', cache: 'no-store' });
  if (response.status === 401) {
    const body = await response.json().catch(() => ({}));
    await Outbox.setProblem(body.error === 'session_revoked' ? 'session_revoked' : 'session_expired');
    return;
  }
  if (!response.ok) return;
  const manifest = await response.json();
  if (!manifest.user || manifest.user.id !== session.user_id) return;  // another login took over
  const cache = await caches.open(Outbox.pagesCacheName(session.user_id));
  const wanted = new Map(manifest.pages.map((p) => [new URL(p.url, self.location.origin).href, p.version]));
  for (const kept of await cache.keys()) {
    if (!wanted.has(kept.url)) await cache.delete(kept);  // e.g. a household moved to another leader
  }
  const stale = [];
  for (const [url, version] of wanted) {
    const kept = await cache.match(url);
    if (!kept || kept.headers.get('X-Louzu-Page-Version') !== version) stale.push([url, version]);
  }
  const queue = stale.slice();
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) await keepPage(cache, session.user_id, item[0], item[1]);
  };
  await Promise.all(Array.from({ length: PAGE_FETCH_PARALLEL }, worker));
  const still = await Outbox.session();
  if (!still || still.user_id !== session.user_id) return;
  await Outbox.setMeta('pages', { at: Date.now(), count: wanted.size, user_id: session.user_id });
  channel.postMessage({ type: 'pages-refreshed' });
}

async function keepPage(cache, userId, url, version) {
  let response;
  try {
    response = await fetch(url, { credentials: 'same-origin', cache: 'no-store', redirect: 'manual' });
  } catch (error) {
    return;  // the signal went again; the next refresh fetches it
  }
  const type = response.headers.get('Content-Type') || '';
  if (response.status !== 200 || !type.startsWith('text/html')) return;  // e.g. a redirect to /login
  const fetchedAt = new Date().toISOString();
  // The copy says when it was fetched, so a page shown offline can say how old it is.
  const html = (await response.text()).replace(/<html\b/i, '<html data-cached-at="' + fetchedAt + '"');
  const headers = new Headers();
  for (const [name, value] of response.headers) {
    if (!/^(content-length|content-encoding|set-cookie|date)$/i.test(name)) headers.set(name, value);
  }
  headers.set('X-Louzu-Page-Version', version);
  headers.set('X-Louzu-Cached-At', fetchedAt);
  const session = await Outbox.session();
  if (!session || session.user_id !== userId) return;  // logged out or another user meanwhile
  await cache.put(url, new Response(html, { status: 200, headers }));
}
