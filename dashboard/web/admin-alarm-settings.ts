/**
 * Admin: the alarm thresholds (`GET/PUT /api/alarm-settings`, shared/alarms.ts). One scope at a
 * time, the whole city or one site kind; each setting shows the value set in this scope (empty =
 * follow the layer under it, whose value is the placeholder), a button that clears it back, and
 * the value in force with where it comes from. Values are typed in the units DOMAIN.md uses and
 * checked here first (limits and the orders the alarm engine relies on), in the operator's
 * language; a refusal from the server is shown with the server's reason.
 *
 * Operators may read the thresholds (the GET allows them) but not change them: for them the form
 * is read-only and has no save button (the server refuses their PUT anyway).
 */
import type { AlarmSettings } from '../../shared/alarms.ts';
import type { SiteKind } from '../../shared/registry-schemas.ts';
import type { AdminContext, AdminPanel } from './admin-view.ts';
import {
  FIELD_GROUPS,
  type FieldGroup,
  flatten,
  inconsistencies,
  mergeFlat,
  NUMBER_FIELDS,
  type NumberField,
  parseShown,
  type SettingKey,
  shownLimits,
  toShown,
  unflatten,
} from './alarm-settings-fields.ts';
import { type AlarmSettingsState, api } from './api.ts';
import { h, setAttr, setText } from './dom.ts';
import { busy, createStatus, errorReason, tx, uid } from './form-kit.ts';
import { formatDateTimeWib, formatNumber } from './format.ts';
import { kindText, type MessageKey } from './i18n.ts';
import { getLang, onLangChange, t } from './locale.ts';
import { KINDS } from './site-order.ts';

type Scope = 'all' | SiteKind;
type Flat = ReturnType<typeof flatten>;

interface Row {
  field: NumberField;
  input: HTMLInputElement;
  inForce: HTMLElement;
  error: HTMLElement;
  clear: HTMLButtonElement;
}

const ENABLED_KEY = 'capacityForecast.enabled';

/** A stored value as shown in the field's unit, in the current language (`37,3`, `80`). */
function shown(field: NumberField, stored: number): string {
  return formatNumber(toShown(field.unit, stored), getLang(), 2);
}

/** Without digit grouping, so what is put into an input parses back (`1440`, not `1.440`). */
function inputText(field: NumberField, stored: number): string {
  const value = String(toShown(field.unit, stored));
  return getLang() === 'id' ? value.replace('.', ',') : value;
}

const fieldLabel = (key: SettingKey) => t(`as.field.${key}` as MessageKey);

export function createAlarmSettingsPanel(ctx: AdminContext): AdminPanel {
  const editable = ctx.role === 'admin';
  const scopeSelect = h('select', { id: uid('as-scope'), 'data-testid': 'as-scope' });
  const changed = h('p', { class: 'muted', 'data-testid': 'as-changed' });
  const status = createStatus('as-status');
  const rows = new Map<SettingKey, Row>();

  const enabledSelect = h('select', {
    id: uid('as-enabled'),
    name: ENABLED_KEY,
    'data-testid': `as-input-${ENABLED_KEY}`,
  });
  const enabledInForce = h('span', { 'data-testid': `as-in-force-${ENABLED_KEY}` });

  const numberRow = (field: NumberField): HTMLTableRowElement => {
    const input = h('input', {
      id: uid(`as-${field.key}`),
      name: field.key,
      type: 'text',
      inputmode: field.unit === 'min' ? 'numeric' : 'decimal',
      autocomplete: 'off',
      'data-testid': `as-input-${field.key}`,
    });
    const error = h('small', {
      id: `${input.id}-error`,
      class: 'field-error',
      'data-testid': `as-error-${field.key}`,
      hidden: true,
    });
    input.setAttribute('aria-describedby', error.id);
    const inForce = h('span', { 'data-testid': `as-in-force-${field.key}` });
    const clear = h('button', { type: 'button', class: 'link', 'data-testid': `as-clear-${field.key}` });
    clear.hidden = !editable;
    clear.addEventListener('click', () => {
      input.value = '';
      showError(rows.get(field.key)!, undefined);
      input.focus();
    });
    rows.set(field.key, { field, input, inForce, error, clear });
    return h(
      'tr',
      {},
      h(
        'th',
        { scope: 'row' },
        h('label', { for: input.id }, tx('span', `as.field.${field.key}` as MessageKey)),
      ),
      h('td', {}, input, error),
      h('td', {}, inForce),
      h('td', {}, clear),
    );
  };

  const groupTable = (group: FieldGroup) => {
    const body = NUMBER_FIELDS.filter((f) => f.group === group).map(numberRow);
    if (group === 'forecast')
      body.unshift(
        h(
          'tr',
          {},
          h(
            'th',
            { scope: 'row' },
            h('label', { for: enabledSelect.id }, tx('span', `as.field.${ENABLED_KEY}`)),
          ),
          h('td', {}, enabledSelect),
          h('td', {}, enabledInForce),
          h('td', {}),
        ),
      );
    return h(
      'fieldset',
      { class: 'as-group', 'data-testid': `as-group-${group}` },
      tx('legend', `as.group.${group}` as MessageKey),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'admin-table as-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              tx('th', 'as.col.setting', { scope: 'col' }),
              tx('th', 'as.col.value', { scope: 'col' }),
              tx('th', 'as.col.inForce', { scope: 'col' }),
              tx('th', 'admin.actions', { scope: 'col' }),
            ),
          ),
          h('tbody', {}, ...body),
        ),
      ),
    );
  };

  const values = h('fieldset', { class: 'as-values' }, ...FIELD_GROUPS.map(groupTable));
  // A disabled fieldset makes every control in it read-only at once, for operators.
  values.disabled = !editable;
  const save = tx('button', 'as.save', { type: 'submit', class: 'primary', 'data-testid': 'as-save' });
  const form = h(
    'form',
    { class: 'admin-form', 'data-testid': 'alarm-settings-form', novalidate: true },
    tx('h2', 'admin.tab.alarmSettings'),
    tx('p', 'as.intro', { class: 'muted' }),
    editable ? '' : tx('p', 'as.readonly', { class: 'as-readonly', 'data-testid': 'as-readonly' }),
    h(
      'div',
      { class: 'form-grid' },
      h('div', { class: 'field' }, h('label', { for: scopeSelect.id }, tx('span', 'as.scope')), scopeSelect),
    ),
    changed,
    values,
    editable ? h('div', { class: 'form-actions' }, save) : '',
    status.el,
  );
  const el = h('div', { class: 'admin-section', 'data-testid': 'alarm-settings' }, form);

  let state: AlarmSettingsState | undefined;
  let loadError: string | undefined;
  let scope: Scope = 'all';
  /** What the inputs held when last filled, to tell unsaved edits on a scope switch. */
  let filled = '';

  const layerOf = (s: Scope): Flat => flatten(s === 'all' ? state?.all : state?.kinds[s]);
  /** The layers under the scope: defaults, then city-wide for a kind. */
  const below = (s: Scope): { flat: Required<Flat>; source: (key: SettingKey) => MessageKey } => {
    const defaults = state!.defaults as AlarmSettings;
    const all = layerOf('all');
    const flat = s === 'all' ? mergeFlat(defaults) : mergeFlat(defaults, all);
    return {
      flat,
      source: (key) => (s !== 'all' && key in all ? 'as.source.all' : 'as.source.default'),
    };
  };

  const snapshot = () =>
    JSON.stringify([...[...rows.values()].map((r) => r.input.value), enabledSelect.value]);

  const showError = (row: Row, message: string | undefined) => {
    row.error.hidden = message === undefined;
    setText(row.error, message ?? '');
    setAttr(row.input, 'aria-invalid', message === undefined ? null : 'true');
  };

  const renderScopes = () => {
    const lang = getLang();
    scopeSelect.replaceChildren(
      h('option', { value: 'all' }, t('as.scope.all')),
      ...KINDS.map((kind) =>
        h('option', { value: kind }, t('as.scope.kind', { kind: kindText(lang, kind) })),
      ),
    );
    scopeSelect.value = scope;
  };

  /** Labels that depend on the data or the scope; the inputs are left as they are. */
  const renderLabels = () => {
    const lang = getLang();
    if (!state) {
      setText(changed, loadError ? t('admin.loadFailed', { reason: loadError }) : t('admin.loading'));
      return;
    }
    setText(
      changed,
      state.changedAt && state.changedBy
        ? t('as.changed', { time: formatDateTimeWib(Date.parse(state.changedAt), lang), by: state.changedBy })
        : t('as.neverChanged'),
    );
    const under = below(scope);
    const own = layerOf(scope);
    const inForce = mergeFlat(state.defaults, under.flat, own);
    const sourceOf = (key: SettingKey): MessageKey =>
      key in own ? (scope === 'all' ? 'as.source.all' : 'as.source.kind') : under.source(key);
    for (const row of rows.values()) {
      const key = row.field.key;
      row.input.placeholder = t('as.placeholder', {
        source: t(under.source(key)),
        value: shown(row.field, under.flat[key] as number),
      });
      setText(
        row.inForce,
        t('as.inForce', {
          value: `${shown(row.field, inForce[key] as number)} ${t(`as.unit.${row.field.unit}`)}`,
          source: t(sourceOf(key)),
        }),
      );
      const action = t(scope === 'all' ? 'as.clear.toDefault' : 'as.clear.toAll');
      setText(row.clear, action);
      row.clear.setAttribute('aria-label', t('as.clearLabel', { action, setting: fieldLabel(key) }));
    }
    const onOff = (v: boolean) => t(v ? 'as.enabled.on' : 'as.enabled.off');
    const chosen = enabledSelect.value;
    enabledSelect.replaceChildren(
      h(
        'option',
        { value: '' },
        t('as.enabled.inherit', {
          source: t(under.source(ENABLED_KEY)),
          value: onOff(under.flat[ENABLED_KEY] as boolean),
        }),
      ),
      h('option', { value: 'on' }, onOff(true)),
      h('option', { value: 'off' }, onOff(false)),
    );
    enabledSelect.value = chosen;
    setText(
      enabledInForce,
      t('as.inForce', { value: onOff(inForce[ENABLED_KEY] as boolean), source: t(sourceOf(ENABLED_KEY)) }),
    );
  };

  /** Puts the scope's own overrides into the inputs (empty where it follows the layer below). */
  const fill = () => {
    const own = layerOf(scope);
    for (const row of rows.values()) {
      const v = own[row.field.key];
      row.input.value = typeof v === 'number' ? inputText(row.field, v) : '';
      showError(row, undefined);
    }
    const enabled = own[ENABLED_KEY];
    enabledSelect.value = enabled === undefined ? '' : enabled ? 'on' : 'off';
    renderLabels();
    filled = snapshot();
  };

  const load = async () => {
    try {
      state = await api.alarmSettings();
      loadError = undefined;
    } catch (err) {
      loadError = errorReason(err);
    }
    if (state) fill();
    else renderLabels();
  };

  /** The scope's layer from the inputs, or undefined after marking what is wrong. */
  const readLayer = (): Flat | undefined => {
    const layer: Flat = {};
    const bad: Row[] = [];
    for (const row of rows.values()) {
      const result = parseShown(row.field, row.input.value);
      if (result.kind === 'ok') {
        layer[row.field.key] = result.stored;
        showError(row, undefined);
      } else if (result.kind === 'empty') {
        showError(row, undefined);
      } else {
        const { min, max } = shownLimits(row.field);
        const lang = getLang();
        showError(
          row,
          result.error === 'range'
            ? t('as.error.range', {
                min: formatNumber(min, lang, 2),
                max: formatNumber(max, lang, 2),
                unit: t(`as.unit.${row.field.unit}`),
              })
            : t(result.error === 'integer' ? 'as.error.integer' : 'as.error.notNumber'),
        );
        bad.push(row);
      }
    }
    if (enabledSelect.value) layer[ENABLED_KEY] = enabledSelect.value === 'on';
    if (bad.length) {
      status.error(t('as.error.fields', { n: bad.length }));
      bad[0]!.input.focus();
      return undefined;
    }
    const broken = inconsistencies(mergeFlat(state!.defaults, below(scope).flat, layer));
    if (broken.length) {
      const first = broken[0]!;
      const message = t(first.orEqual ? 'as.error.orderEq' : 'as.error.order', {
        low: fieldLabel(first.low),
        high: fieldLabel(first.high),
      });
      for (const rule of broken) {
        for (const key of [rule.low, rule.high]) {
          const row = rows.get(key);
          if (row) showError(row, message);
        }
      }
      status.error(message);
      rows.get(first.low)?.input.focus();
      return undefined;
    }
    return layer;
  };

  scopeSelect.addEventListener('change', () => {
    const next = scopeSelect.value as Scope;
    if (editable && snapshot() !== filled && !window.confirm(t('as.discard'))) {
      scopeSelect.value = scope;
      return;
    }
    scope = next;
    status.clear();
    if (state) fill();
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!state || !editable) return;
    status.clear();
    const layer = readLayer();
    if (!layer) return;
    const settings = unflatten(layer);
    const kinds = { ...state.kinds };
    if (scope !== 'all') {
      if (Object.keys(settings).length) kinds[scope] = settings;
      else delete kinds[scope];
    }
    try {
      await busy(save, () => api.setAlarmSettings({ all: scope === 'all' ? settings : state!.all, kinds }));
      await load();
      status.ok(t('as.saved'));
    } catch (err) {
      status.error(t('admin.failed', { reason: errorReason(err) }));
    }
  });

  const offLang = onLangChange(() => {
    renderScopes();
    renderLabels();
  });
  renderScopes();
  renderLabels();
  void load();
  return { el, destroy: offLang };
}
