/**
 * Entry of the public crowd guide (`/publik`, `/public`), bundled by the dashboard into
 * `/assets/public.js`. No login and no socket: it reads `GET /api/public/crowd` now and every
 * 30 s (the server shares one answer per few seconds among all visitors), and only while the tab
 * is visible. `/publik` opens in Bahasa Indonesia, `/public` in English; the toggle switches and
 * moves the address along so a reload or a shared link keeps the language.
 */
import type { PublicVenue } from '../../public-crowd/public-crowd.ts';
import { renderCrowdList, wibTime } from './crowd-list.ts';
import { type PublicKey, type PublicLang, pt } from './messages.ts';

const REFRESH_MS = 30_000;

const byTestId = <T extends HTMLElement>(id: string) => {
  const found = document.querySelector<T>(`[data-testid="${id}"]`);
  if (!found) throw new Error(`Element [data-testid="${id}"] is missing from the public page`);
  return found;
};

const list = byTestId('public-list');
const status = byTestId('public-status');
const updated = byTestId('public-updated');
const toggle = byTestId<HTMLButtonElement>('public-lang-toggle');

let lang: PublicLang = location.pathname.replace(/\/$/, '') === '/public' ? 'en' : 'id';
let venues: PublicVenue[] | undefined;
let fetchedAt: string | undefined;
let problem: PublicKey | undefined = 'loading';
let timer: ReturnType<typeof setTimeout> | undefined;

function render(): void {
  document.documentElement.lang = lang;
  document.title = pt(lang, 'title');
  for (const node of document.querySelectorAll<HTMLElement>('[data-p]'))
    node.textContent = pt(lang, node.dataset.p as PublicKey);
  toggle.textContent = pt(lang, 'langToggle');
  toggle.setAttribute('aria-label', pt(lang, 'langToggleLabel'));
  toggle.lang = lang === 'id' ? 'en' : 'id';
  status.hidden = problem === undefined && venues !== undefined && venues.length > 0;
  status.textContent = problem ? pt(lang, problem) : venues?.length === 0 ? pt(lang, 'empty') : '';
  updated.hidden = fetchedAt === undefined;
  if (fetchedAt) updated.textContent = pt(lang, 'updated', { time: wibTime(fetchedAt, lang) });
  if (venues) renderCrowdList(list, venues, lang);
}

async function refresh(): Promise<void> {
  clearTimeout(timer);
  try {
    const res = await fetch('/api/public/crowd', { headers: { accept: 'application/json' } });
    if (res.status === 429) {
      problem = 'tooMany';
    } else if (!res.ok) {
      problem = 'error';
    } else {
      venues = (await res.json()) as PublicVenue[];
      fetchedAt = new Date().toISOString();
      problem = undefined;
    }
  } catch {
    problem = 'error';
  }
  render();
  if (document.visibilityState === 'visible') timer = setTimeout(() => void refresh(), REFRESH_MS);
}

toggle.addEventListener('click', () => {
  lang = lang === 'id' ? 'en' : 'id';
  history.replaceState(null, '', lang === 'en' ? '/public' : '/publik');
  render();
});

// A hidden tab stops polling; coming back refreshes at once instead of showing old levels.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') void refresh();
  else clearTimeout(timer);
});

render();
void refresh();
