/**
 * Admin: provision a device (`POST /api/devices`) and list the registered ones. The secret the
 * server answers is shown exactly once, with a copy button and a warning: the server keeps only
 * a salted hash (shared/secrets.ts), so a lost secret means a new one (rotate), never a lookup.
 */
import type { DeviceType } from '../../shared/registry-schemas.ts';
import type { AdminContext, AdminPanel } from './admin-view.ts';
import { api, type DeviceListing } from './api.ts';
import { h, setText } from './dom.ts';
import { busy, createStatus, errorReason, field, formFailure, option, table, tx } from './form-kit.ts';
import { formatNumber } from './format.ts';
import type { MessageKey } from './i18n.ts';
import { getLang, onLangChange, t } from './locale.ts';

/** shared/registry-schemas.ts DEVICE_TYPES' keys; listed here so the bundle pulls in no zod. */
export const DEVICE_TYPE_LIST = [
  'door-counter',
  'people-counter',
  'occupancy-sensor',
  'thermal-scanner',
  'gps-tracker',
  'gateway',
] as const satisfies readonly DeviceType[];
const TYPES = DEVICE_TYPE_LIST;
const typeKey = (type: string) => `device.type.${type}` as MessageKey;

export function createDevicesPanel(ctx: AdminContext): AdminPanel {
  const id = h('input', {
    name: 'id',
    type: 'text',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    autocapitalize: 'none',
  });
  const site = h('select', { name: 'siteId', required: true });
  const type = h('select', { name: 'type', required: true }, ...TYPES.map((k) => option(k, typeKey(k))));
  const name = h('input', { name: 'name', type: 'text', autocomplete: 'off', maxlength: '120' });
  const submit = tx('button', 'device.create', {
    type: 'submit',
    class: 'primary',
    'data-testid': 'device-create',
  });
  const status = createStatus('device-status');
  const form = h(
    'form',
    { class: 'admin-form', 'data-testid': 'device-form', novalidate: true },
    tx('h2', 'device.new'),
    h(
      'div',
      { class: 'form-grid' },
      field('device.id', id, { hint: 'site.idHint' }),
      field('device.site', site),
      field('device.type', type),
      field('device.name', name, { optional: true }),
    ),
    h('div', { class: 'form-actions' }, submit),
    status.el,
  );

  const secretCode = h('code', { class: 'secret-value', 'data-testid': 'device-secret' });
  const secretTitle = h('h3', {});
  const copyButton = tx('button', 'device.copy', { type: 'button', 'data-testid': 'device-secret-copy' });
  const copyStatus = h('span', { class: 'muted', role: 'status' });
  const dismiss = tx('button', 'device.dismissSecret', {
    type: 'button',
    'data-testid': 'device-secret-dismiss',
  });
  const secretBox = h(
    'div',
    { class: 'secret-box', 'data-testid': 'device-secret-box', role: 'alert', hidden: true },
    secretTitle,
    tx('p', 'device.secretWarning', { class: 'secret-warning' }),
    h('p', {}, secretCode),
    h('div', { class: 'form-actions' }, copyButton, dismiss, copyStatus),
  );
  const listHolder = h('div', { class: 'admin-list', 'data-testid': 'device-admin-list' });
  const el = h('div', { class: 'admin-section' }, form, secretBox, listHolder);
  let devices: DeviceListing[] | undefined;
  let loadError: string | undefined;

  const fillSites = () => {
    const chosen = site.value;
    const sites = [...ctx.sites.sites.values()].sort((a, b) => a.name.localeCompare(b.name, 'id'));
    site.replaceChildren(...sites.map((s) => h('option', { value: s.id }, `${s.name} (${s.id})`)));
    if (chosen) site.value = chosen;
  };

  const renderList = () => {
    const lang = getLang();
    if (!devices) {
      listHolder.replaceChildren(
        h(
          'p',
          { class: 'muted' },
          loadError ? t('admin.loadFailed', { reason: loadError }) : t('admin.loading'),
        ),
      );
      return;
    }
    const siteName = (siteId: string) => ctx.sites.get(siteId)?.name ?? siteId;
    listHolder.replaceChildren(
      h('h2', {}, t('device.list', { n: formatNumber(devices.length, lang) })),
      table(
        ['device.id', 'device.site', 'device.type', 'device.name'],
        devices.map((d) => [h('code', {}, d.id), siteName(d.siteId), t(typeKey(d.type)), d.name ?? '']),
      ),
    );
  };

  const load = async () => {
    try {
      devices = (await api.devices()).sort((a, b) => a.id.localeCompare(b.id));
      loadError = undefined;
    } catch (err) {
      loadError = errorReason(err);
    }
    renderList();
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.clear();
    const input = {
      id: id.value.trim(),
      siteId: site.value,
      type: type.value as DeviceType,
      ...(name.value.trim() ? { name: name.value.trim() } : {}),
    };
    try {
      const answer = await busy(submit, () => api.createDevice(input));
      if (!answer) return;
      setText(secretTitle, t('device.secretTitle', { id: answer.id }));
      setText(secretCode, answer.secret);
      setText(copyStatus, '');
      secretBox.hidden = false;
      form.reset();
      fillSites();
      copyButton.focus();
      void load();
    } catch (err) {
      status.error(formFailure(form, err));
    }
  });

  copyButton.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(secretCode.textContent ?? '');
      setText(copyStatus, t('device.copied'));
    } catch {
      // No clipboard permission (http, policy): select the text so Ctrl+C works.
      const range = document.createRange();
      range.selectNodeContents(secretCode);
      const selection = getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
      setText(copyStatus, t('device.copyFailed'));
    }
  });
  dismiss.addEventListener('click', () => {
    // The secret leaves the page for good: nothing keeps it after this.
    setText(secretCode, '');
    secretBox.hidden = true;
    id.focus();
  });

  const unsubscribe = ctx.sites.subscribe((changes) => {
    if (
      changes.reset ||
      changes.removed.size > 0 ||
      [...changes.changed].some((s) => !site.querySelector(`option[value="${CSS.escape(s)}"]`))
    )
      fillSites();
  });
  const offLang = onLangChange(renderList);
  fillSites();
  renderList();
  void load();
  return {
    el,
    destroy() {
      setText(secretCode, '');
      unsubscribe();
      offLang();
    },
  };
}
