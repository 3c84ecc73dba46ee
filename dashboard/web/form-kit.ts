/**
 * Building blocks for the forms the admin and alarm screens build in code: a labelled field
 * (every control has a <label for>, WCAG 1.3.1), translated static text that re-translates
 * itself on a language switch (it carries `data-i18n`, which locale.ts walks), a status line
 * announced to screen readers, and API errors told in the operator's language.
 */
import { ApiError } from './api.ts';
import { h, setText } from './dom.ts';
import type { MessageKey } from './i18n.ts';
import { t } from './locale.ts';

let sequence = 0;
const watched = new WeakSet<HTMLFormElement>();

/** A document-unique id for a control built in code. */
export function uid(prefix: string): string {
  sequence += 1;
  return `${prefix}-${sequence}`;
}

/** An element whose text is the message `key`, kept translated by locale.ts. */
export function tx<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  key: MessageKey,
  attrs: Record<string, string | boolean | undefined> = {},
): HTMLElementTagNameMap[K] {
  return h(tag, { ...attrs, 'data-i18n': key }, t(key));
}

/** An <option> with a translated label. */
export function option(value: string, key: MessageKey): HTMLOptionElement {
  return tx('option', key, { value });
}

/**
 * A label above a control; the control gets an id when it has none. `hint` is tied to the
 * control with aria-describedby.
 *
 * @example field('site.name', h('input', { name: 'name', required: true }))
 */
export function field(
  key: MessageKey,
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  options: { hint?: MessageKey; optional?: boolean; wide?: boolean } = {},
): HTMLDivElement {
  if (!control.id) control.id = uid(control.name || 'field');
  const label = h('label', { for: control.id }, tx('span', key));
  if (options.optional) label.append(' ', tx('span', 'admin.optional', { class: 'muted' }));
  const parts: Node[] = [label, control];
  if (options.hint) {
    const hint = tx('small', options.hint, { id: `${control.id}-hint`, class: 'muted' });
    control.setAttribute('aria-describedby', hint.id);
    parts.push(hint);
  }
  return h('div', { class: options.wide ? 'field field-grow' : 'field' }, ...parts);
}

/**
 * What a form says when its request failed. A 400 names the fields it refused first (the
 * server's reasons read `designCapacity Invalid input…; name Too small…`): those controls of
 * `form` are marked `aria-invalid` and named by their own labels, in the operator's language,
 * with the server's wording after them as detail. Anything else says the server's reason.
 *
 * @example status.error(formFailure(form, err)) // 'Periksa isian: Kapasitas desain, Nama. Rincian: …'
 */
export function formFailure(form: HTMLFormElement, err: unknown): string {
  if (!watched.has(form)) {
    // A control is no longer marked once the operator changes it.
    watched.add(form);
    form.addEventListener('input', (event) => (event.target as Element).removeAttribute('aria-invalid'));
  }
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  if (!(err instanceof ApiError) || err.status !== 400)
    return t('admin.failed', { reason: errorReason(err) });
  const labels: string[] = [];
  let first: HTMLElement | undefined;
  for (const issue of err.reason.split('; ')) {
    const path = issue.split(' ')[0] ?? '';
    const top = path.split('.')[0] ?? '';
    for (const name of top === 'location' ? ['lat', 'lon'] : [top]) {
      const control = name ? form.elements.namedItem(name) : null;
      if (!(control instanceof HTMLElement)) continue;
      control.setAttribute('aria-invalid', 'true');
      first ??= control;
      const label = form.querySelector(`label[for="${control.id}"] span`)?.textContent;
      if (label && !labels.includes(label)) labels.push(label);
    }
  }
  if (labels.length === 0) return t('admin.failed', { reason: errorReason(err) });
  first?.focus();
  return t('admin.checkFields', { fields: labels.join(', '), reason: err.reason });
}

/** The server's reason for a failed call, or a translated network message. */
export function errorReason(err: unknown): string {
  if (err instanceof ApiError) return err.status === 0 ? t('login.network') : err.reason;
  return t('error.generic');
}

export interface StatusLine {
  readonly el: HTMLParagraphElement;
  ok(text: string): void;
  error(text: string): void;
  clear(): void;
}

/** A one-line outcome under a form: polite for success, an alert for failure. */
export function createStatus(testId?: string): StatusLine {
  const el = h('p', { class: 'form-status', role: 'status', 'data-testid': testId, hidden: true });
  const show = (text: string, kind: 'ok' | 'error') => {
    el.hidden = false;
    el.dataset.kind = kind;
    el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    setText(el, text);
  };
  return {
    el,
    ok: (text) => show(text, 'ok'),
    error: (text) => show(text, 'error'),
    clear() {
      el.hidden = true;
      setText(el, '');
    },
  };
}

/**
 * Marks a button busy while a request runs, so a double tap sends one request. `aria-disabled`
 * rather than `disabled`: a disabled button drops keyboard focus to <body>.
 */
export async function busy<T>(button: HTMLButtonElement, work: () => Promise<T>): Promise<T | undefined> {
  if (button.getAttribute('aria-busy') === 'true') return undefined;
  button.setAttribute('aria-busy', 'true');
  button.setAttribute('aria-disabled', 'true');
  try {
    return await work();
  } finally {
    button.removeAttribute('aria-busy');
    button.removeAttribute('aria-disabled');
  }
}

/** A table with translated column heads, scrolled sideways on a narrow tablet instead of squeezed. */
export function table(
  heads: MessageKey[],
  rows: Array<Array<Node | string>>,
  attrs: Record<string, string> = {},
): HTMLDivElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'admin-table', ...attrs },
      h('thead', {}, h('tr', {}, ...heads.map((key) => tx('th', key, { scope: 'col' })))),
      h('tbody', {}, ...rows.map((cells) => h('tr', {}, ...cells.map((cell) => h('td', {}, cell))))),
    ),
  );
}

/** Values of a <select multiple>. */
export function selectedValues(select: HTMLSelectElement): string[] {
  return [...select.selectedOptions].map((o) => o.value);
}
