/**
 * One open alarm in the alarms view: severity by colour AND text/icon, type, site (a button that
 * opens the site), what the condition is, since when, state, assignee and the newest comment;
 * actions acknowledge / clear / comment / assign. Comment and assign open a small form in the
 * row (Escape or Batal closes it and gives focus back). Hooks for tests: `data-testid="alarm-row"`
 * with `data-alarm-id`, `data-severity`, `data-state`; buttons `alarm-ack`, `alarm-clear`,
 * `alarm-comment`, `alarm-assign`.
 */
import type { Alarm } from '../../shared/alarms.ts';
import { alarmSince, alarmSummary, lastComment } from './alarm-text.ts';
import { type AlarmVerb, ApiError } from './api.ts';
import { h, setAttr, setText } from './dom.ts';
import { busy, errorReason, tx, uid } from './form-kit.ts';
import { alarmStateText, alarmTypeText, type Lang, severityText } from './i18n.ts';
import { t } from './locale.ts';

export type AlarmActionHandler = (
  alarm: Alarm,
  verb: AlarmVerb,
  body: { comment?: string; assignee?: string | null },
) => Promise<void>;

export interface AlarmRow {
  readonly item: HTMLLIElement;
  update(alarm: Alarm, siteName: string, lang: Lang, nowMs: number): void;
  tick(lang: Lang, nowMs: number): void;
  /** Focuses the first action button (keyboard users after the previous row went away). */
  focus(): void;
}

/** Why an action failed, in the operator's words: a timeout and a gone alarm are common. */
function failureText(err: unknown): string {
  if (err instanceof ApiError && (err.status === 503 || err.status === 504)) return t('alarm.failedTimeout');
  if (err instanceof ApiError && (err.status === 404 || err.status === 409)) return t('alarm.failedGone');
  return t('alarm.failed', { reason: errorReason(err) });
}

export interface AlarmRowOptions {
  onAction: AlarmActionHandler;
  onOpenSite(siteId: string): void;
}

/** @example const row = createAlarmRow(alarm, 'Pasar Tos 3000', 'id', Date.now(), { onAction, onOpenSite }); */
export function createAlarmRow(
  alarm: Alarm,
  siteName: string,
  lang: Lang,
  nowMs: number,
  options: AlarmRowOptions,
): AlarmRow {
  const severity = h('span', { class: 'severity-badge' });
  const type = h('span', { class: 'alarm-type' });
  const site = h('button', { type: 'button', class: 'link alarm-site', 'data-testid': 'alarm-site' });
  const summary = h('span', { class: 'alarm-summary' });
  const since = h('span', { class: 'alarm-since' });
  const state = h('span', { class: 'alarm-state', 'data-testid': 'alarm-state' });
  const assignee = h('span', { class: 'alarm-assignee', 'data-testid': 'alarm-assignee' });
  const comment = h('span', { class: 'alarm-last-comment' });
  const error = h('p', { class: 'alarm-error', role: 'alert', hidden: true });

  const ack = tx('button', 'alarm.ack', { type: 'button', 'data-testid': 'alarm-ack', class: 'primary' });
  const clear = tx('button', 'alarm.clear', { type: 'button', 'data-testid': 'alarm-clear' });
  const commentToggle = tx('button', 'alarm.comment', {
    type: 'button',
    'data-testid': 'alarm-comment',
    'aria-expanded': 'false',
  });
  const assignToggle = tx('button', 'alarm.assign', {
    type: 'button',
    'data-testid': 'alarm-assign',
    'aria-expanded': 'false',
  });

  const commentId = uid('alarm-comment');
  const commentInput = h('textarea', { id: commentId, rows: '2', maxlength: '1000', required: true });
  const commentForm = h(
    'form',
    { class: 'alarm-form', 'data-testid': 'alarm-comment-form', hidden: true },
    h('label', { for: commentId }, tx('span', 'alarm.commentField')),
    commentInput,
    h(
      'div',
      { class: 'form-actions' },
      tx('button', 'alarm.send', { type: 'submit', class: 'primary', 'data-testid': 'alarm-comment-send' }),
      tx('button', 'alarm.cancel', { type: 'button', 'data-action': 'cancel' }),
    ),
  );
  const assignId = uid('alarm-assignee');
  const assignInput = h('input', { id: assignId, type: 'text', maxlength: '64', autocomplete: 'off' });
  const assignForm = h(
    'form',
    { class: 'alarm-form', 'data-testid': 'alarm-assign-form', hidden: true },
    h('label', { for: assignId }, tx('span', 'alarm.assigneeField')),
    assignInput,
    h(
      'div',
      { class: 'form-actions' },
      tx('button', 'alarm.send', { type: 'submit', class: 'primary', 'data-testid': 'alarm-assign-send' }),
      tx('button', 'alarm.cancel', { type: 'button', 'data-action': 'cancel' }),
    ),
  );

  const item = h(
    'li',
    { class: 'alarm-item', 'data-testid': 'alarm-row', 'data-alarm-id': alarm.id },
    // The ' ' text nodes keep words apart for screen readers; flex layout ignores them.
    h('div', { class: 'alarm-main' }, severity, ' ', type, ' ', site, ' ', summary),
    h('div', { class: 'alarm-meta' }, since, ' ', state, ' ', assignee, ' ', comment),
    h('div', { class: 'alarm-actions' }, ack, clear, commentToggle, assignToggle),
    commentForm,
    assignForm,
    error,
  );

  let current = alarm;
  let name = siteName;

  const showError = (text: string | undefined) => {
    error.hidden = text === undefined;
    setText(error, text ?? '');
  };

  const run = async (
    button: HTMLButtonElement,
    verb: AlarmVerb,
    body: { comment?: string; assignee?: string | null },
  ) => {
    showError(undefined);
    try {
      await busy(button, () => options.onAction(current, verb, body));
      return true;
    } catch (err) {
      showError(failureText(err));
      return false;
    }
  };

  const toggleForm = (form: HTMLFormElement, toggle: HTMLButtonElement, open: boolean) => {
    form.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open) (form.querySelector('textarea, input') as HTMLElement | null)?.focus();
  };
  const closeForm = (form: HTMLFormElement, toggle: HTMLButtonElement) => {
    toggleForm(form, toggle, false);
    toggle.focus();
  };

  ack.addEventListener('click', async () => {
    // The ack button goes away once acknowledged: keep keyboard focus in the row.
    if (await run(ack, 'ack', {})) clear.focus();
  });
  clear.addEventListener('click', () => void run(clear, 'clear', {}));
  commentToggle.addEventListener('click', () => toggleForm(commentForm, commentToggle, commentForm.hidden));
  assignToggle.addEventListener('click', () => {
    if (assignForm.hidden) assignInput.value = current.assignee ?? '';
    toggleForm(assignForm, assignToggle, assignForm.hidden);
  });
  site.addEventListener('click', () => options.onOpenSite(current.siteId));

  commentForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = commentInput.value.trim();
    if (!text) {
      commentInput.focus();
      return;
    }
    const send = commentForm.querySelector<HTMLButtonElement>('button[type="submit"]')!;
    if (await run(send, 'comment', { comment: text })) {
      commentInput.value = '';
      closeForm(commentForm, commentToggle);
    }
  });
  assignForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const send = assignForm.querySelector<HTMLButtonElement>('button[type="submit"]')!;
    const who = assignInput.value.trim();
    if (await run(send, 'assign', { assignee: who === '' ? null : who })) closeForm(assignForm, assignToggle);
  });
  for (const [form, toggle] of [
    [commentForm, commentToggle],
    [assignForm, assignToggle],
  ] as const) {
    form.querySelector('[data-action="cancel"]')?.addEventListener('click', () => closeForm(form, toggle));
    form.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape') return;
      event.preventDefault();
      closeForm(form, toggle);
    });
  }

  const tick = (lang: Lang, nowMs: number) => setText(since, alarmSince(current, lang, nowMs));

  const update = (next: Alarm, nextName: string, lang: Lang, nowMs: number) => {
    current = next;
    name = nextName;
    setAttr(item, 'data-severity', next.severity);
    setAttr(item, 'data-state', next.state);
    setAttr(severity, 'data-severity', next.severity);
    setText(severity, severityText(lang, next.severity));
    const typeText = alarmTypeText(lang, next.type);
    setText(type, typeText);
    setText(site, name);
    setAttr(site, 'aria-label', t('alarms.siteLabel', { site: name }));
    setText(summary, alarmSummary(next, lang));
    const ackedBy = next.state === 'acknowledged' && next.acknowledgedBy ? ` (${next.acknowledgedBy})` : '';
    setText(state, `${alarmStateText(lang, next.state)}${ackedBy}`);
    setAttr(state, 'data-state', next.state);
    setText(assignee, next.assignee ? t('alarm.assignee', { name: next.assignee }) : t('alarm.unassigned'));
    const last = lastComment(next);
    setText(comment, last?.comment ? t('alarm.lastComment', { comment: last.comment, by: last.by }) : '');
    comment.hidden = !last;
    ack.hidden = next.state !== 'open';
    setAttr(ack, 'aria-label', t('alarm.ackLabel', { type: typeText, site: name }));
    setAttr(clear, 'aria-label', t('alarm.clearLabel', { type: typeText, site: name }));
    tick(lang, nowMs);
  };

  update(alarm, siteName, lang, nowMs);
  return {
    item,
    update,
    tick,
    focus: () => (ack.hidden ? clear : ack).focus(),
  };
}
