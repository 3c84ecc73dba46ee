/**
 * Counting corrections in the site detail (DOMAIN.md "Counting people"): zero the count (by
 * hand, or a bus at the end of its line) and set it to what someone counted. Ingest applies it
 * as an offset, so the raw device series is never changed, and records every correction. Shown
 * to admins and operators (issue 3 brief); the server checks the role and the site scope again.
 */
import { api } from './api.ts';
import { byTestId, setText } from './dom.ts';
import { busy, errorReason } from './form-kit.ts';
import { t } from './locale.ts';
import { createSiteCorrectionLog } from './site-correction-log.ts';

export interface SiteCorrections {
  /** Shows the form for a site (or hides it for `undefined` / a role without the right). */
  setSite(site: { id: string; name: string } | undefined): void;
  setRole(role: string | undefined): void;
}

/** A head count an operator typed: a whole number from 0 up, or undefined. */
export function parseHeadCount(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^\d{1,7}$/.test(trimmed)) return undefined;
  return Number(trimmed);
}

export function createSiteCorrections(): SiteCorrections {
  const form = byTestId<HTMLFormElement>('corrections');
  const reason = byTestId<HTMLSelectElement>('corr-reset-reason');
  const resetButton = byTestId<HTMLButtonElement>('corr-reset');
  const occupancy = byTestId<HTMLInputElement>('corr-occupancy');
  const note = byTestId<HTMLInputElement>('corr-note');
  const correctButton = byTestId<HTMLButtonElement>('corr-correct');
  const status = byTestId('corr-status');
  const log = createSiteCorrectionLog();

  let site: { id: string; name: string } | undefined;
  let role: string | undefined;

  const show = (text: string | undefined, kind: 'ok' | 'error' = 'ok') => {
    status.hidden = text === undefined;
    status.dataset.kind = kind;
    status.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    setText(status, text ?? '');
  };
  const render = () => {
    form.hidden = !site || (role !== 'admin' && role !== 'operator');
  };

  resetButton.addEventListener('click', async () => {
    const target = site;
    if (!target) return;
    if (!window.confirm(t('corr.confirmReset', { site: target.name }))) return;
    show(undefined);
    try {
      await busy(resetButton, () => api.resetCounts(target.id, reason.value as 'manual' | 'end-of-line'));
      show(t('corr.done'));
      log.open(target.id, true);
    } catch (err) {
      show(t('admin.failed', { reason: errorReason(err) }), 'error');
    }
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const target = site;
    if (!target) return;
    const count = parseHeadCount(occupancy.value);
    if (count === undefined) {
      show(t('corr.invalid'), 'error');
      occupancy.focus();
      return;
    }
    show(undefined);
    try {
      await busy(correctButton, () => api.correctCounts(target.id, count, note.value.trim() || 'manual'));
      occupancy.value = '';
      note.value = '';
      show(t('corr.done'));
      log.open(target.id, true);
    } catch (err) {
      show(t('admin.failed', { reason: errorReason(err) }), 'error');
    }
  });

  return {
    setSite(next) {
      if (next?.id !== site?.id) {
        occupancy.value = '';
        note.value = '';
        show(undefined);
        log.open(next?.id);
      }
      site = next;
      render();
    },
    setRole(next) {
      role = next;
      render();
    },
  };
}
