/**
 * Admin: the city capacity policy (issue 3, "Capacity policy"). Pick a preset (PSBB, new
 * normal, PPKM 4..1, normal), optionally override the share of some site kinds, and apply it
 * to the whole city at once: every site's safe capacity and level change within one tick. The
 * audit log shows who switched what, when, from what to what.
 */
import type { SiteKind } from '../../shared/registry-schemas.ts';
import type { AdminContext, AdminPanel } from './admin-view.ts';
import { api, type PolicyState } from './api.ts';
import { h, setText } from './dom.ts';
import { busy, createStatus, errorReason, table, tx, uid } from './form-kit.ts';
import { formatDateTimeWib } from './format.ts';
import { kindText } from './i18n.ts';
import { getLang, onLangChange, t } from './locale.ts';
import { changeSides, kindPctFromInputs, pctText, policyText } from './policy-text.ts';
import { KINDS } from './site-order.ts';

export function createPolicyPanel(ctx: AdminContext): AdminPanel {
  const current = h('p', { class: 'policy-current', 'data-testid': 'policy-current' });
  const presetId = uid('policy-preset');
  const preset = h('select', { id: presetId, name: 'preset', 'data-testid': 'policy-preset' });
  const kindInputs = new Map<SiteKind, HTMLInputElement>();
  const kindLabels = new Map<SiteKind, HTMLLabelElement>();
  const kindFields = KINDS.map((kind) => {
    const input = h('input', {
      id: uid(`policy-${kind}`),
      name: kind,
      type: 'number',
      min: '0',
      max: '100',
      step: 'any',
      inputmode: 'decimal',
      'data-testid': `policy-kind-${kind}`,
    });
    const label = h('label', { for: input.id });
    kindInputs.set(kind, input);
    kindLabels.set(kind, label);
    return h('div', { class: 'field' }, label, input);
  });
  const apply = tx('button', 'policy.apply', {
    type: 'submit',
    class: 'primary',
    'data-testid': 'policy-apply',
  });
  const status = createStatus('policy-status');
  const form = h(
    'form',
    { class: 'admin-form', 'data-testid': 'policy-form', novalidate: true },
    tx('h2', 'admin.tab.policy'),
    current,
    h(
      'div',
      { class: 'form-grid' },
      h('div', { class: 'field' }, h('label', { for: presetId }, tx('span', 'policy.preset')), preset),
    ),
    h(
      'fieldset',
      { class: 'kind-shares' },
      tx('legend', 'policy.shares'),
      h('div', { class: 'form-grid' }, ...kindFields),
    ),
    h('div', { class: 'form-actions' }, apply),
    status.el,
  );
  const audit = h('div', { class: 'admin-list', 'data-testid': 'policy-audit' });
  const el = h('div', { class: 'admin-section' }, form, tx('h2', 'policy.audit'), audit);

  let state: PolicyState | undefined;
  let loadError: string | undefined;

  const renderForm = () => {
    const lang = getLang();
    if (!state) {
      setText(current, loadError ? t('admin.loadFailed', { reason: loadError }) : t('admin.loading'));
      return;
    }
    setText(current, t('policy.current', { label: policyText(state.current, state.presets, lang) }));
    const chosen = preset.value || state.current.id;
    preset.replaceChildren(...state.presets.map((p) => h('option', { value: p.id }, p.label[lang])));
    preset.value = chosen;
    const info = state.presets.find((p) => p.id === preset.value);
    for (const kind of KINDS) {
      const share = info?.pct[kind];
      setText(kindLabels.get(kind)!, t('policy.kindOverride', { kind: kindText(lang, kind) }));
      kindInputs.get(kind)!.placeholder =
        share === undefined ? '' : t('policy.kindDefault', { pct: pctText(share, lang) });
    }
  };

  const fillOverrides = () => {
    // The overrides in force belong to the preset in force; another preset starts clean.
    const own = state && preset.value === state.current.id ? state.current.kindPct : undefined;
    for (const kind of KINDS) {
      const share = own?.[kind];
      kindInputs.get(kind)!.value = share === undefined ? '' : String(Math.round(share * 10_000) / 100);
    }
  };

  const renderAudit = () => {
    if (!state) {
      audit.replaceChildren();
      return;
    }
    if (state.changes.length === 0) {
      audit.replaceChildren(tx('p', 'policy.noChanges', { class: 'muted' }));
      return;
    }
    const lang = getLang();
    const presets = state.presets;
    const rows = [...state.changes]
      .map((c) => ({ c, at: typeof c.at === 'number' ? c.at : Date.parse(c.at) }))
      .sort((a, b) => b.at - a.at)
      .map(({ c, at }) => {
        const { from, to } = changeSides(c);
        return [
          Number.isNaN(at) ? String(c.at) : formatDateTimeWib(at, lang),
          c.by,
          policyText(from, presets, lang),
          policyText(to, presets, lang),
        ];
      });
    audit.replaceChildren(
      table(['policy.col.time', 'policy.col.by', 'policy.col.from', 'policy.col.to'], rows),
    );
  };

  const load = async () => {
    try {
      state = await api.policy();
      loadError = undefined;
      preset.value = '';
    } catch (err) {
      loadError = errorReason(err);
    }
    renderForm();
    fillOverrides();
    renderAudit();
  };

  preset.addEventListener('change', () => {
    renderForm();
    fillOverrides();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!state) return;
    status.clear();
    const values = Object.fromEntries(KINDS.map((k) => [k, kindInputs.get(k)!.value])) as Record<
      SiteKind,
      string
    >;
    const { kindPct, invalid } = kindPctFromInputs(values);
    if (invalid.length) {
      status.error(t('admin.failed', { reason: invalid.map((k) => kindText(getLang(), k)).join(', ') }));
      kindInputs.get(invalid[0]!)!.focus();
      return;
    }
    const label = policyText({ id: preset.value, kindPct }, state.presets, getLang());
    if (!window.confirm(t('policy.confirm', { label }))) return;
    try {
      await busy(apply, () => api.setPolicy(preset.value, kindPct));
      status.ok(t('policy.applied', { label }));
      ctx.onPolicyChanged();
      await load();
    } catch (err) {
      status.error(t('admin.failed', { reason: errorReason(err) }));
    }
  });

  const offLang = onLangChange(() => {
    renderForm();
    renderAudit();
  });
  renderForm();
  void load();
  return { el, destroy: offLang };
}
