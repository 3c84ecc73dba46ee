/**
 * The header: connection state (announced politely to screen readers and made loud when lost),
 * the city policy in force, a notice when history lives only in memory (DESIGN.md: say so in
 * the UI when no InfluxDB is configured), the signed-in user, logout and the ID/EN toggle.
 */
import type { ServerInfo, User } from './api.ts';
import { byTestId, setAttr, setText } from './dom.ts';
import type { MessageKey } from './i18n.ts';
import { otherLang } from './i18n.ts';
import type { ConnState } from './live.ts';
import { getLang, onLangChange, setLang, t } from './locale.ts';

const CONN_KEYS: Record<ConnState, MessageKey> = {
  connecting: 'conn.connecting',
  connected: 'conn.connected',
  disconnected: 'conn.disconnected',
  reconnecting: 'conn.reconnecting',
};

export interface Header {
  setConnection(state: ConnState | undefined): void;
  setInfo(info: ServerInfo | undefined): void;
  setUser(user: User | undefined): void;
}

/**
 * @example
 * const header = createHeader({ onLogout: () => session.logout() });
 * header.setConnection('reconnecting');
 */
export function createHeader(options: { onLogout(): void }): Header {
  const conn = byTestId('conn-state');
  const policy = byTestId('policy-label');
  const memory = byTestId('memory-store-notice');
  const user = byTestId('current-user');
  const logout = byTestId<HTMLButtonElement>('logout');
  const toggle = byTestId<HTMLButtonElement>('lang-toggle');

  let state: ConnState | undefined;
  let info: ServerInfo | undefined;
  let who: User | undefined;

  const render = () => {
    const lang = getLang();
    conn.hidden = state === undefined;
    if (state) {
      setAttr(conn, 'data-state', state);
      setText(conn, t(CONN_KEYS[state]));
      setAttr(conn, 'title', t('conn.label', { state: t(CONN_KEYS[state]) }));
    }
    policy.hidden = info === undefined;
    if (info) setText(policy, t('header.policy', { policy: info.policy.label[lang] }));
    memory.hidden = info?.store !== 'memory';
    user.hidden = who === undefined;
    logout.hidden = who === undefined;
    if (who) setText(user, t('header.user', { user: who.username, role: who.role }));
    setText(toggle, t('lang.toggle'));
    setAttr(toggle, 'aria-label', t('lang.toggleLabel'));
    setAttr(toggle, 'lang', otherLang(lang));
  };

  toggle.addEventListener('click', () => setLang(otherLang(getLang())));
  logout.addEventListener('click', () => options.onLogout());
  onLangChange(render);
  render();

  return {
    setConnection(next) {
      state = next;
      render();
    },
    setInfo(next) {
      info = next;
      render();
    },
    setUser(next) {
      who = next;
      render();
    },
  };
}
