/**
 * Entry of the operator screen (bundled by the dashboard server into /assets/app.js). Checks
 * the session, then wires the live feed into the site store and the views. Everything a
 * session starts is stopped again on logout or when the session expires.
 */
import { api, type ServerInfo, type User } from './api.ts';
import { byTestId } from './dom.ts';
import { createHeader } from './header.ts';
import type { MessageKey } from './i18n.ts';
import { connectLive, type LiveConnection } from './live.ts';
import { initLocale } from './locale.ts';
import { createLogin } from './login.ts';
import { createOverview, type Overview } from './overview.ts';
import { createSiteDetail, type SiteDetail } from './site-detail.ts';
import { createSiteStore } from './site-store.ts';

/** After the server refused the socket but the session is still good, wait before retrying. */
const REFUSED_RETRY_MS = 3000;
/** A tab hidden longer than this asks for a fresh snapshot when it is shown again. */
const RESYNC_AFTER_HIDDEN_MS = 5 * 60_000;
const HASH_PREFIX = '#/sites/';

interface Session {
  live: LiveConnection;
  overview: Overview;
  detail: SiteDetail;
  stop(): void;
}

const raf = (callback: () => void) => {
  requestAnimationFrame(() => callback());
};

initLocale();
const appView = byTestId('app-view');
const store = createSiteStore(raf);
const header = createHeader({ onLogout: () => void logout() });
const login = createLogin({ onLoggedIn: (user) => startSession(user) });
let session: Session | undefined;
let info: ServerInfo | undefined;

function siteFromHash(): string | undefined {
  return location.hash.startsWith(HASH_PREFIX)
    ? decodeURIComponent(location.hash.slice(HASH_PREFIX.length)) || undefined
    : undefined;
}

async function refreshInfo(): Promise<void> {
  try {
    info = await api.info();
    header.setInfo(info);
  } catch {
    // The header simply shows no policy until the next server:info.
  }
}

function startSession(user: User): void {
  if (session) return;
  login.hide();
  appView.hidden = false;
  header.setUser(user);
  void refreshInfo();

  const select = (siteId: string) => {
    overview.setSelected(siteId);
    detail.open(siteId);
    if (siteFromHash() !== siteId)
      history.replaceState(null, '', `${HASH_PREFIX}${encodeURIComponent(siteId)}`);
  };
  const overview = createOverview({ store, onSelect: select, schedule: raf });
  const detail = createSiteDetail({
    store,
    onClose: (siteId) => {
      overview.setSelected(undefined);
      overview.focusRow(siteId);
      if (siteFromHash()) history.replaceState(null, '', location.pathname + location.search);
    },
  });
  const unsubscribe = store.subscribe((changes) => {
    detail.onChanges(changes);
    // Deep link (#/sites/<id>): open once the site is known.
    const wanted = siteFromHash();
    if (wanted && !detail.siteId && store.get(wanted)) select(wanted);
  });

  let retry: ReturnType<typeof setTimeout> | undefined;
  const live = connectLive({
    state: (state) => header.setConnection(state),
    snapshot: (sites) => store.snapshot(sites),
    update: (sites) => store.update(sites),
    remove: (ids) => store.remove(ids),
    info: (next) => {
      if (!info || info.store !== next.store || info.policy.id !== next.policyId) void refreshInfo();
    },
    refused: () => {
      void api.me().then(
        (stillIn) => {
          if (!stillIn) endSession('login.expired');
          else retry = setTimeout(() => live.reconnect(), REFUSED_RETRY_MS);
        },
        () => {
          retry = setTimeout(() => live.reconnect(), REFUSED_RETRY_MS);
        },
      );
    },
  });
  // A first paint from HTTP while the socket connects; the socket snapshot then takes over.
  api.sites().then(
    (sites) => {
      if (!store.loaded && session?.live === live) store.snapshot(sites);
    },
    () => undefined,
  );

  const ticker = setInterval(() => {
    overview.tick();
    detail.tick();
  }, 1000);
  let hiddenAt = 0;
  const onVisibility = () => {
    if (document.hidden) hiddenAt = Date.now();
    else if (hiddenAt && Date.now() - hiddenAt > RESYNC_AFTER_HIDDEN_MS) live.resync().catch(() => undefined);
  };
  const onHash = () => {
    const wanted = siteFromHash();
    if (wanted && wanted !== detail.siteId && store.get(wanted)) select(wanted);
    else if (!wanted && detail.siteId) detail.close();
  };
  document.addEventListener('visibilitychange', onVisibility);
  window.addEventListener('hashchange', onHash);

  session = {
    live,
    overview,
    detail,
    stop() {
      clearInterval(ticker);
      clearTimeout(retry);
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('hashchange', onHash);
      unsubscribe();
      live.close();
      detail.destroy();
      overview.destroy();
    },
  };
}

function endSession(reason?: MessageKey): void {
  session?.stop();
  session = undefined;
  store.clear();
  appView.hidden = true;
  header.setConnection(undefined);
  header.setUser(undefined);
  header.setInfo(undefined);
  info = undefined;
  login.show(reason);
}

async function logout(): Promise<void> {
  try {
    await api.logout();
  } catch {
    // The cookie may already be gone; the screen logs out either way.
  }
  endSession();
}

async function boot(): Promise<void> {
  try {
    const user = await api.me();
    if (user) startSession(user);
    else login.show();
  } catch {
    login.show('login.network');
  }
}

void boot();
