/**
 * Entry of the operator screen (bundled by the dashboard server into /assets/app.js). Checks
 * the session, then wires the live feed into the site and alarm stores and the views, and shows
 * the view the hash names (router.ts). Everything a session starts is stopped again on logout
 * or when the session expires.
 */
import { createAdminView } from './admin-view.ts';
import { createAlarmCue } from './alarm-cue.ts';
import { createAlarmStore } from './alarm-store.ts';
import { createAlarmsView } from './alarms-view.ts';
import { api, type ServerInfo, type User } from './api.ts';
import { byTestId, setText } from './dom.ts';
import { createHeader } from './header.ts';
import type { MessageKey } from './i18n.ts';
import { connectLive } from './live.ts';
import { initLocale, onLangChange, t } from './locale.ts';
import { createLogin } from './login.ts';
import { createSiteMap } from './map-view.ts';
import { createNav } from './nav.ts';
import { createOverview } from './overview.ts';
import { type AdminTab, allowedRoute, parseRoute, type Route, routeHash } from './router.ts';
import { createSiteAlarms } from './site-alarms.ts';
import { createSiteCorrections } from './site-corrections.ts';
import { createSiteDetail } from './site-detail.ts';
import { createSiteStore } from './site-store.ts';

/** After the server refused the socket but the session is still good, wait before retrying. */
const REFUSED_RETRY_MS = 3000;
/** A tab hidden longer than this asks for a fresh snapshot when it is shown again. */
const RESYNC_AFTER_HIDDEN_MS = 5 * 60_000;

interface Session {
  user: User;
  applyRoute(): void;
  stop(): void;
}

const raf = (callback: () => void) => {
  requestAnimationFrame(() => callback());
};

initLocale();
const appView = byTestId('app-view');
const views = {
  overview: byTestId('overview-view'),
  map: byTestId('map-view'),
  alarms: byTestId('alarms-view'),
  admin: byTestId('admin-view'),
};
const store = createSiteStore(raf);
// A timer, not a frame: frames stop in a hidden tab, where a browser notification matters most.
const alarmStore = createAlarmStore((callback) => setTimeout(callback, 0));
const header = createHeader({ onLogout: () => void logout() });
let lastAdminTab: AdminTab = 'sites';
const nav = createNav({
  onNavigate: (view) => go(view === 'admin' ? { view, tab: lastAdminTab } : { view }),
});
const cue = createAlarmCue({
  siteName: (siteId) => store.get(siteId)?.name,
  onShow: () => go({ view: 'alarms' }),
});
const corrections = createSiteCorrections();
const login = createLogin({ onLoggedIn: (user) => startSession(user) });
let session: Session | undefined;
let info: ServerInfo | undefined;

function go(route: Route): void {
  const hash = routeHash(route);
  if (location.hash === hash) session?.applyRoute();
  else location.hash = hash;
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
  nav.setRole(user.role);
  cue.setActive(true);
  corrections.setRole(user.role);
  void refreshInfo();

  const route = () => allowedRoute(parseRoute(location.hash), user.role);

  const select = (siteId: string) => {
    overview.setSelected(siteId);
    detail.open(siteId);
    siteAlarms.open(siteId);
    const site = store.get(siteId);
    corrections.setSite(site ? { id: site.id, name: site.name } : undefined);
    const hash = routeHash({ view: 'overview', siteId });
    if (location.hash !== hash) history.replaceState(null, '', hash);
  };
  const overview = createOverview({ store, onSelect: select, schedule: raf });
  const detail = createSiteDetail({
    store,
    onClose: (siteId) => {
      overview.setSelected(undefined);
      siteAlarms.close();
      corrections.setSite(undefined);
      if (views.overview.hidden) return;
      overview.focusRow(siteId);
      if (parseRoute(location.hash).view === 'overview' && location.hash.startsWith('#/sites/'))
        history.replaceState(null, '', routeHash({ view: 'overview' }));
    },
  });
  const siteAlarms = createSiteAlarms({ alarms: alarmStore });
  const siteMap = createSiteMap({
    store,
    onOpenSite: (siteId) => go({ view: 'overview', siteId }),
    schedule: raf,
  });
  const notFound = byTestId('site-not-found');
  // A deep link to a site this user cannot see (or that does not exist) says so once the
  // sites are loaded, in the same words either way (the server does not tell them apart).
  const renderNotFound = () => {
    const current = route();
    const missing =
      current.view === 'overview' && current.siteId && store.loaded && !store.get(current.siteId)
        ? current.siteId
        : undefined;
    notFound.hidden = missing === undefined;
    if (missing) setText(notFound, t('site.notFound', { id: missing }));
  };
  const offLang = onLangChange(renderNotFound);
  const alarmsView = createAlarmsView({
    alarms: alarmStore,
    sites: store,
    onOpenSite: (siteId) => go({ view: 'overview', siteId }),
  });
  const adminView = createAdminView({
    sites: store,
    role: user.role,
    onTab: (tab) => go({ view: 'admin', tab }),
    onPolicyChanged: () => void refreshInfo(),
  });

  const applyRoute = () => {
    const wanted = parseRoute(location.hash);
    const current = allowedRoute(wanted, user.role);
    if (current !== wanted) history.replaceState(null, '', routeHash(current));
    for (const [name, el] of Object.entries(views)) el.hidden = name !== current.view;
    nav.setActive(current.view);
    if (current.view === 'map') siteMap.show();
    else siteMap.hide();
    if (current.view === 'admin') {
      lastAdminTab = current.tab;
      adminView.show(current.tab);
    } else {
      adminView.hide();
    }
    if (current.view === 'overview' && current.siteId) {
      if (current.siteId !== detail.siteId && store.get(current.siteId)) select(current.siteId);
    } else if (detail.siteId) {
      detail.close();
    }
    renderNotFound();
  };

  // `server:info` comes only on connect; a policy switched elsewhere shows up as new safe
  // capacities, so the header re-reads the policy in force when they change (at most every 2 s).
  const capacities = new Map<string, number>();
  let infoTimer: ReturnType<typeof setTimeout> | undefined;
  const unsubscribe = store.subscribe((changes) => {
    let capacityChanged = false;
    for (const id of changes.changed) {
      const cap = store.get(id)?.safeCapacity;
      if (cap === undefined) continue;
      if (capacities.has(id) && capacities.get(id) !== cap) capacityChanged = true;
      capacities.set(id, cap);
    }
    if (capacityChanged)
      infoTimer ??= setTimeout(() => {
        infoTimer = undefined;
        void refreshInfo();
      }, 2000);
    detail.onChanges(changes);
    // Deep link (#/sites/<id>): open once the site is known.
    const current = route();
    if (current.view === 'overview' && current.siteId && !detail.siteId && store.get(current.siteId))
      select(current.siteId);
    renderNotFound();
  });
  const unsubscribeAlarms = alarmStore.subscribe(({ newCritical }) => {
    nav.setAlarmCounts(alarmStore.counts());
    // Only sites this user sees (the server scopes; the site store holds exactly those).
    const fresh = newCritical.filter((a) => !store.loaded || store.get(a.siteId));
    if (fresh.length) cue.raise(fresh);
  });

  let retry: ReturnType<typeof setTimeout> | undefined;
  let wasConnected = false;
  const live = connectLive({
    state: (state) => {
      header.setConnection(state);
      // Back after an outage (e.g. a server restart): the socket's snapshot brings the sites and
      // alarms; what the detail fetched over HTTP (devices, history) is fetched again.
      if (state === 'connected' && wasConnected) detail.refresh();
      if (state === 'connected') wasConnected = true;
    },
    snapshot: (sites) => store.snapshot(sites),
    update: (sites) => store.update(sites),
    remove: (ids) => store.remove(ids),
    alarmSnapshot: (alarms) => alarmStore.snapshot(alarms),
    alarmUpdate: (alarms) => alarmStore.update(alarms),
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
      if (!store.loaded && session?.stop === stop) store.snapshot(sites);
    },
    () => undefined,
  );

  const ticker = setInterval(() => {
    overview.tick();
    detail.tick();
    alarmsView.tick();
    siteAlarms.tick();
  }, 1000);
  let hiddenAt = 0;
  const onVisibility = () => {
    if (document.hidden) hiddenAt = Date.now();
    else if (hiddenAt && Date.now() - hiddenAt > RESYNC_AFTER_HIDDEN_MS) live.resync().catch(() => undefined);
  };
  document.addEventListener('visibilitychange', onVisibility);
  window.addEventListener('hashchange', applyRoute);

  function stop() {
    clearInterval(ticker);
    clearTimeout(retry);
    clearTimeout(infoTimer);
    document.removeEventListener('visibilitychange', onVisibility);
    window.removeEventListener('hashchange', applyRoute);
    unsubscribe();
    unsubscribeAlarms();
    offLang();
    live.close();
    siteMap.destroy();
    notFound.hidden = true;
    detail.destroy();
    siteAlarms.destroy();
    overview.destroy();
    alarmsView.destroy();
    adminView.hide();
  }
  session = { user, applyRoute, stop };
  applyRoute();
}

function endSession(reason?: MessageKey): void {
  session?.stop();
  session = undefined;
  store.clear();
  alarmStore.clear();
  appView.hidden = true;
  header.setConnection(undefined);
  header.setUser(undefined);
  header.setInfo(undefined);
  nav.setRole(undefined);
  nav.setAlarmCounts(alarmStore.counts());
  cue.setActive(false);
  corrections.setRole(undefined);
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
