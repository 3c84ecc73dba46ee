/**
 * The main navigation (Overview / Alarms / Admin) and the open-alarm badge. The buttons change
 * the hash; main.ts shows the view the hash names. Administration is offered to admins only
 * (the server refuses everyone else anyway); the badge tells the count AND, by colour and an
 * icon, the worst severity among open alarms.
 */
import type { Severity } from '../../shared/alarms.ts';
import type { AlarmCounts } from './alarm-order.ts';
import { byTestId, setAttr, setText } from './dom.ts';
import { formatNumber } from './format.ts';
import { SEVERITY_ICONS } from './i18n.ts';
import { getLang, onLangChange, t } from './locale.ts';
import type { ViewId } from './router.ts';

export interface Nav {
  setRole(role: string | undefined): void;
  setActive(view: ViewId | undefined): void;
  setAlarmCounts(counts: AlarmCounts): void;
}

/** @example const nav = createNav({ onNavigate: (view) => (location.hash = routeHash({ view })) }); */
export function createNav(options: { onNavigate(view: ViewId): void }): Nav {
  const nav = byTestId('app-nav');
  const adminButton = byTestId<HTMLButtonElement>('nav-admin');
  const alarmsButton = byTestId<HTMLButtonElement>('nav-alarms');
  const badge = byTestId('alarm-count');
  const buttons = [...nav.querySelectorAll<HTMLButtonElement>('button[data-view]')];

  let counts: AlarmCounts = { open: 0, critical: 0, unacknowledged: 0, worst: undefined };

  const renderBadge = () => {
    const worst: Severity | undefined = counts.worst;
    setAttr(badge, 'data-severity', worst ?? 'none');
    // The number alone is the badge's text (tests and screen readers read it); the severity icon
    // comes from the stylesheet (::before on data-severity), so colour is never the only cue.
    setText(badge, formatNumber(counts.open, getLang()));
    setAttr(badge, 'title', worst ? `${SEVERITY_ICONS[worst]} ${t(`alarm.severity.${worst}`)}` : null);
    setAttr(alarmsButton, 'aria-label', `${t('nav.alarms')}: ${t('nav.alarmCount', { n: counts.open })}`);
  };

  for (const button of buttons) {
    button.addEventListener('click', () => options.onNavigate(button.dataset.view as ViewId));
  }
  onLangChange(renderBadge);
  renderBadge();

  return {
    setRole(role) {
      nav.hidden = role === undefined;
      // Operators get the administration too, with only the read-only alarm thresholds in it.
      adminButton.hidden = role !== 'admin' && role !== 'operator';
    },
    setActive(view) {
      for (const button of buttons)
        setAttr(button, 'aria-current', button.dataset.view === view ? 'page' : null);
    },
    setAlarmCounts(next) {
      counts = next;
      renderBadge();
    },
  };
}
