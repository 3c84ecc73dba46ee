/**
 * The language the screen speaks right now: Bahasa Indonesia unless the operator chose English
 * (remembered in localStorage), mirrored on `<html lang>` so screen readers pronounce it right.
 * Static labels carry `data-i18n="<key>"` (and `data-i18n-<attr>` for attributes) and are
 * re-translated in place on a switch; dynamic views subscribe with `onLangChange`.
 */
import { DEFAULT_LANG, isLang, type Lang, type MessageKey, translate } from './i18n.ts';

const STORAGE_KEY = 'jagajarak.lang';
const listeners = new Set<(lang: Lang) => void>();

function stored(): Lang {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return isLang(value) ? value : DEFAULT_LANG;
  } catch {
    // Storage can be disabled (private mode, policy); the default language still works.
    return DEFAULT_LANG;
  }
}

let current: Lang = stored();

export function getLang(): Lang {
  return current;
}

/** `t('age.seconds', { n: 3 })` in the current language. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  return translate(current, key, params);
}

const TRANSLATED_ATTRS = ['aria-label', 'placeholder', 'title'] as const;

/** Re-translates every `data-i18n` element (text) and `data-i18n-<attr>` attribute under root. */
export function applyTranslations(root: ParentNode = document): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n as MessageKey);
  }
  for (const attr of TRANSLATED_ATTRS) {
    for (const el of root.querySelectorAll<HTMLElement>(`[data-i18n-${attr}]`)) {
      el.setAttribute(attr, t(el.getAttribute(`data-i18n-${attr}`) as MessageKey));
    }
  }
}

export function setLang(lang: Lang): void {
  current = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Not remembered across reloads, but switched for this page.
  }
  document.documentElement.lang = lang;
  applyTranslations();
  for (const listener of listeners) listener(lang);
}

export function onLangChange(listener: (lang: Lang) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Called once at start: puts the remembered language on the page before anything renders. */
export function initLocale(): void {
  document.documentElement.lang = current;
  applyTranslations();
}
