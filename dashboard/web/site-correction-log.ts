/**
 * The recorded counting corrections of the open site (`GET /api/sites/:id/corrections`, last 7
 * days), newest first, under the correction form: resets, corrections and the door counters'
 * reboots ingest recorded (DOMAIN.md "Counting people": a total that goes down is a reboot, a new
 * baseline, never people leaving). Shown to everyone who may see the site (the server scopes the
 * route like every site route). Rows carry `data-testid="correction-entry"` and `data-action`.
 */
import { api, type CorrectionEntry } from './api.ts';
import { correctionText } from './correction-text.ts';
import { byTestId, h } from './dom.ts';
import { getLang, onLangChange, t } from './locale.ts';

export interface SiteCorrectionLog {
  /**
   * Loads the site's corrections (again); `undefined` empties the list. `expectNew`: a correction
   * was just made, so reload (up to 5 times, a second apart) until it shows.
   */
  open(siteId: string | undefined, expectNew?: boolean): void;
  destroy(): void;
}

export function createSiteCorrectionLog(options: { now?: () => number } = {}): SiteCorrectionLog {
  const now = options.now ?? Date.now;
  const list = byTestId<HTMLUListElement>('correction-log');
  let siteId: string | undefined;
  let entries: CorrectionEntry[] = [];
  let failed = false;
  let loading: AbortController | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const render = () => {
    const lang = getLang();
    if (!siteId) {
      list.replaceChildren();
      return;
    }
    if (entries.length === 0) {
      list.replaceChildren(h('li', { class: 'muted' }, t(failed ? 'corrlog.error' : 'corrlog.empty')));
      return;
    }
    const nowMs = now();
    list.replaceChildren(
      ...[...entries]
        .reverse()
        .map((entry) =>
          h(
            'li',
            { 'data-testid': 'correction-entry', 'data-action': entry.action ?? '' },
            correctionText(entry, lang, nowMs),
          ),
        ),
    );
  };

  // Ingest answers once it applied the correction; the store may write its point a moment later
  // (batched writes, shared/store/write-queue.ts).
  const open = (next: string | undefined, expectNew = false, attempt = 0) => {
    loading?.abort();
    clearTimeout(retry);
    const seen = entries.length;
    if (next !== siteId) {
      entries = [];
      failed = false;
    }
    siteId = next;
    render();
    if (!next) return;
    const controller = new AbortController();
    loading = controller;
    api.corrections(next, controller.signal).then(
      (answer) => {
        if (controller.signal.aborted) return;
        entries = answer;
        failed = false;
        render();
        if (expectNew && answer.length <= seen && attempt < 5)
          retry = setTimeout(() => open(next, true, attempt + 1), 1000);
      },
      () => {
        if (controller.signal.aborted) return;
        failed = true;
        render();
      },
    );
  };

  const offLang = onLangChange(render);
  return {
    open: (next, expectNew) => open(next, expectNew),
    destroy() {
      loading?.abort();
      clearTimeout(retry);
      offLang();
    },
  };
}
