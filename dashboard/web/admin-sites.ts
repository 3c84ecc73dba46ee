/**
 * Admin: create a site (`POST /api/sites`) and see every registered site with its design and
 * safe capacity. The list comes from the live site store, so a new site appears as soon as the
 * registry echo reaches the dashboard, and capacities follow a policy switch live.
 */
import type { SiteInput, SiteKind } from '../../shared/registry-schemas.ts';
import type { AdminContext, AdminPanel } from './admin-view.ts';
import { api, type SitePatch } from './api.ts';
import { h, setText } from './dom.ts';
import { busy, createStatus, field, formFailure, option, table, tx } from './form-kit.ts';
import { formatNumber } from './format.ts';
import { kindText } from './i18n.ts';
import { getLang, onLangChange, t } from './locale.ts';
import { EMPTY_FILTER, KINDS, visibleSites } from './site-order.ts';

/** A number field's value, or undefined when empty; NaN when it is not a number. */
export function optionalNumber(text: string): number | undefined {
  const trimmed = text.trim().replace(',', '.');
  return trimmed === '' ? undefined : Number(trimmed);
}

/**
 * A head count typed the Indonesian way or the English way: `1.000`, `1,000` and `1 000` are a
 * thousand (a capacity has no fraction), anything else is read as a plain number. Undefined when
 * empty; NaN when it is not a number.
 *
 * @example countNumber('1.500') // 1500
 */
export function countNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d{1,3}([.,\s]\d{3})+$/.test(trimmed)) return Number(trimmed.replace(/[.,\s]/g, ''));
  return optionalNumber(trimmed);
}

/**
 * The site form's values as `POST /api/sites` wants them; the share is typed in percent and
 * sent as a fraction (the server reads `1` as 100%, so `1%` must not be sent as `1`).
 *
 * @example siteInputFromForm({ id: 'pasar-tos-3000', name: 'Pasar Tos 3000', kind: 'market', designCapacity: '400', policyPct: '50' })
 *   // { id: 'pasar-tos-3000', name: 'Pasar Tos 3000', kind: 'market', designCapacity: 400, policyPct: 0.5 }
 */
export function siteInputFromForm(values: Record<string, string>): SiteInput {
  const input: Record<string, unknown> = {
    id: (values.id ?? '').trim(),
    name: (values.name ?? '').trim(),
    kind: values.kind as SiteKind,
    designCapacity: countNumber(values.designCapacity ?? '') ?? Number.NaN,
  };
  const area = optionalNumber(values.areaM2 ?? '');
  if (area !== undefined) input.areaM2 = area;
  const pct = optionalNumber(values.policyPct ?? '');
  if (pct !== undefined) input.policyPct = Math.round(pct * 100) / 10_000;
  const lat = optionalNumber(values.lat ?? '');
  const lon = optionalNumber(values.lon ?? '');
  if (lat !== undefined && lon !== undefined) input.location = { lat, lon };
  const route = (values.route ?? '').trim();
  if (route) input.route = route;
  return input as SiteInput;
}

/**
 * The edit form's values as `PATCH /api/sites/:id` wants them: empty numbers stay as they are,
 * `followCity` removes the site's own share (it then follows the city policy), an emptied
 * corridor is removed.
 *
 * @example sitePatchFromForm({ name: 'Pasar Tos', designCapacity: '', areaM2: '', policyPct: '', route: '' }, { followCity: true, route: null })
 *   // { name: 'Pasar Tos', policyPct: null }
 */
export function sitePatchFromForm(
  values: Record<string, string>,
  current: { followCity: boolean; route: string | null },
): SitePatch {
  const patch: SitePatch = {};
  const name = (values.name ?? '').trim();
  if (name) patch.name = name;
  const design = countNumber(values.designCapacity ?? '');
  if (design !== undefined) patch.designCapacity = design;
  const area = optionalNumber(values.areaM2 ?? '');
  if (area !== undefined) patch.areaM2 = area;
  const pct = optionalNumber(values.policyPct ?? '');
  if (current.followCity) patch.policyPct = null;
  else if (pct !== undefined) patch.policyPct = Math.round(pct * 100) / 10_000;
  const route = (values.route ?? '').trim();
  if (route) patch.route = route;
  else if (current.route) patch.route = null;
  return patch;
}

export function createSitesPanel(ctx: AdminContext): AdminPanel {
  const input = (name: string, attrs: Record<string, string | boolean> = {}) =>
    h('input', { name, type: 'text', autocomplete: 'off', ...attrs });
  const kind = h('select', { name: 'kind', required: true }, ...KINDS.map((k) => option(k, `kind.${k}`)));
  // Unset means "the kind's default" (venues listed, buses not); only a deviation is sent.
  const publicBox = h('input', {
    type: 'checkbox',
    name: 'public',
    'data-testid': 'site-public',
    checked: true,
  });
  const publicByKind = () => {
    publicBox.checked = kind.value !== 'bus';
  };
  kind.addEventListener('change', publicByKind);
  publicByKind();
  const submit = tx('button', 'site.create', {
    type: 'submit',
    class: 'primary',
    'data-testid': 'site-create',
  });
  const status = createStatus('site-status');
  const form = h(
    'form',
    { class: 'admin-form', 'data-testid': 'site-form', novalidate: true },
    tx('h2', 'site.new'),
    h(
      'div',
      { class: 'form-grid' },
      field('site.id', input('id', { required: true, spellcheck: 'false', autocapitalize: 'none' }), {
        hint: 'site.idHint',
      }),
      field('site.name', input('name', { required: true })),
      field('site.kind', kind),
      field('site.designCapacity', input('designCapacity', { inputmode: 'numeric', required: true })),
      field('site.areaM2', input('areaM2', { type: 'number', min: '0', step: 'any' }), { optional: true }),
      field('site.policyPct', input('policyPct', { type: 'number', min: '0', max: '100', step: 'any' }), {
        optional: true,
      }),
      field('site.lat', input('lat', { type: 'number', step: 'any', min: '-90', max: '90' }), {
        optional: true,
      }),
      field('site.lon', input('lon', { type: 'number', step: 'any', min: '-180', max: '180' }), {
        optional: true,
      }),
      field('site.route', input('route', { maxlength: '32' }), { optional: true }),
    ),
    h('label', { class: 'check' }, publicBox, ' ', tx('span', 'site.public')),
    h('div', { class: 'form-actions' }, submit),
    status.el,
  );
  const editTitle = h('h2', {});
  const followCity = h('input', { type: 'checkbox', name: 'followCity', 'data-testid': 'site-follow-city' });
  const editPublic = h('input', { type: 'checkbox', name: 'public', 'data-testid': 'site-edit-public' });
  const editSave = tx('button', 'site.save', {
    type: 'submit',
    class: 'primary',
    'data-testid': 'site-save',
  });
  const editCancel = tx('button', 'alarm.cancel', { type: 'button' });
  const editStatus = createStatus('site-edit-status');
  const editForm = h(
    'form',
    { class: 'admin-form', 'data-testid': 'site-edit-form', novalidate: true, hidden: true },
    editTitle,
    h(
      'div',
      { class: 'form-grid' },
      field('site.name', input('name', { required: true })),
      field('site.designCapacity', input('designCapacity', { inputmode: 'numeric' })),
      field('site.areaM2', input('areaM2', { type: 'number', min: '0', step: 'any' }), {
        hint: 'site.unchangedHint',
      }),
      field('site.policyPct', input('policyPct', { type: 'number', min: '0', max: '100', step: 'any' }), {
        hint: 'site.unchangedHint',
      }),
      field('site.route', input('route', { maxlength: '32' }), { optional: true }),
    ),
    h('label', { class: 'check' }, followCity, ' ', tx('span', 'site.followCity')),
    h('label', { class: 'check' }, editPublic, ' ', tx('span', 'site.public')),
    h('div', { class: 'form-actions' }, editSave, editCancel),
    editStatus.el,
  );
  const listHolder = h('div', { class: 'admin-list', 'data-testid': 'site-admin-list' });
  const el = h('div', { class: 'admin-section' }, form, editForm, listHolder);
  let editing: { id: string; route: string | null; public: boolean } | undefined;

  const openEdit = (id: string) => {
    const site = ctx.sites.get(id);
    if (!site) return;
    editing = { id, route: site.route, public: site.kind !== 'bus' };
    editPublic.checked = editing.public;
    // The live view does not carry the flag; the site's detail does.
    void api
      .site(id)
      .then((detail) => {
        const flag = (detail as { public?: unknown }).public;
        if (editing?.id === id && typeof flag === 'boolean') {
          editing.public = flag;
          editPublic.checked = flag;
        }
      })
      .catch(() => undefined);
    editForm.reset();
    editStatus.clear();
    setText(editTitle, t('site.editTitle', { name: site.name }));
    const set = (name: string, value: string) => {
      (editForm.elements.namedItem(name) as HTMLInputElement).value = value;
    };
    set('name', site.name);
    set('designCapacity', String(site.designCapacity));
    set('route', site.route ?? '');
    editForm.hidden = false;
    (editForm.elements.namedItem('name') as HTMLInputElement).focus();
  };

  editForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const target = editing;
    if (!target) return;
    const values = Object.fromEntries(new FormData(editForm).entries()) as Record<string, string>;
    const patch = sitePatchFromForm(values, { followCity: followCity.checked, route: target.route });
    if (editPublic.checked !== target.public) patch.public = editPublic.checked;
    editStatus.clear();
    try {
      await busy(editSave, () => api.updateSite(target.id, patch));
      editStatus.ok(t('site.saved', { id: target.id }));
    } catch (err) {
      editStatus.error(formFailure(editForm, err));
    }
  });
  editCancel.addEventListener('click', () => {
    editing = undefined;
    editForm.hidden = true;
  });
  listHolder.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('[data-edit]');
    if (button?.dataset.edit) openEdit(button.dataset.edit);
  });

  const renderList = () => {
    const lang = getLang();
    const sites = visibleSites(ctx.sites.sites.values(), EMPTY_FILTER).sort((a, b) =>
      a.id.localeCompare(b.id),
    );
    listHolder.replaceChildren(
      h('h2', {}, t('site.list', { n: formatNumber(sites.length, lang) })),
      table(
        ['site.id', 'site.name', 'site.kind', 'site.designCapacity', 'site.col.safe', 'admin.actions'],
        sites.map((s) => [
          h('code', {}, s.id),
          s.name,
          kindText(lang, s.kind),
          formatNumber(s.designCapacity, lang),
          s.safeCapacity === 0 ? t('load.closed') : formatNumber(s.safeCapacity, lang),
          tx('button', 'site.edit', { type: 'button', 'data-edit': s.id, 'data-testid': 'site-edit' }),
        ]),
      ),
    );
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form).entries()) as Record<string, string>;
    const site = siteInputFromForm(values);
    if (publicBox.checked !== (site.kind !== 'bus')) site.public = publicBox.checked;
    status.clear();
    try {
      await busy(submit, () => api.createSite(site));
      status.ok(t('site.created', { id: site.id }));
      form.reset();
      publicByKind();
      (form.elements.namedItem('id') as HTMLInputElement).focus();
    } catch (err) {
      status.error(formFailure(form, err));
    }
  });

  const unsubscribe = ctx.sites.subscribe(() => renderList());
  const offLang = onLangChange(renderList);
  renderList();
  return {
    el,
    destroy() {
      unsubscribe();
      offLang();
    },
  };
}
