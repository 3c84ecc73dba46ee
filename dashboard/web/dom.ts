/**
 * Small DOM helpers. Text always goes in through `textContent` (never innerHTML with data), and
 * no inline `style` attribute is ever written into markup: the CSP allows only 'self' styles.
 */

type Attrs = Record<string, string | boolean | undefined>;

/**
 * Creates an element with attributes and children; `true` sets a boolean attribute, `false`
 * or undefined leaves it out, strings become text nodes.
 *
 * @example h('button', { type: 'button', 'data-testid': 'lang-toggle' }, 'EN')
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) el.append(child);
  return el;
}

/** Sets text only when it differs: writes to the DOM are what cost with thousands of rows. */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export function setAttr(el: Element, name: string, value: string | null): void {
  if (value === null) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else if (el.getAttribute(name) !== value) {
    el.setAttribute(name, value);
  }
}

/** Finds a required element by `data-testid` (the stable hooks browser tests use too). */
export function byTestId<T extends HTMLElement = HTMLElement>(
  testId: string,
  root: ParentNode = document,
): T {
  const el = root.querySelector<T>(`[data-testid="${testId}"]`);
  if (!el) throw new Error(`Element [data-testid="${testId}"] is missing from index.html`);
  return el;
}
