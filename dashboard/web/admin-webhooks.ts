/**
 * Admin: webhooks that tell venue managers and Dishub about alarms (issue 3, "Delivery") and
 * the delivery log. The signing secret is sent once and never shown again (the server does not
 * return it); `text` format is a short Bahasa Indonesia message for a WhatsApp or SMS gateway.
 */
import type { AdminContext, AdminPanel } from './admin-view.ts';
import { api, type Delivery, type Webhook, type WebhookInput } from './api.ts';
import { h } from './dom.ts';
import {
  busy,
  createStatus,
  errorReason,
  field,
  formFailure,
  option,
  selectedValues,
  table,
  tx,
} from './form-kit.ts';
import { formatDateTimeWib, formatNumber } from './format.ts';
import type { MessageKey } from './i18n.ts';
import { getLang, onLangChange, t } from './locale.ts';

const DELIVERY_LIMIT = 100;
const EVENTS = new Set(['raised', 'escalated', 'renotify', 'cleared']);

const toMs = (value: string | number | null | undefined): number | undefined => {
  if (value === null || value === undefined) return undefined;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
};

export function createWebhooksPanel(ctx: AdminContext): AdminPanel {
  const url = h('input', {
    name: 'url',
    type: 'url',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'https://',
  });
  const secret = h('input', {
    name: 'secret',
    type: 'text',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    minlength: '16',
  });
  const sites = h('select', { name: 'sites', multiple: true, size: '5' });
  const minSeverity = h(
    'select',
    { name: 'minSeverity' },
    option('', 'filter.all'),
    option('warning', 'alarm.severity.warning'),
    option('critical', 'alarm.severity.critical'),
  );
  const format = h(
    'select',
    { name: 'format' },
    option('json', 'webhook.format.json'),
    option('text', 'webhook.format.text'),
  );
  const submit = tx('button', 'webhook.create', {
    type: 'submit',
    class: 'primary',
    'data-testid': 'webhook-create',
  });
  const status = createStatus('webhook-status');
  const form = h(
    'form',
    { class: 'admin-form', 'data-testid': 'webhook-form', novalidate: true },
    tx('h2', 'webhook.new'),
    h(
      'div',
      { class: 'form-grid' },
      field('webhook.url', url, { wide: true }),
      field('webhook.secret', secret),
      field('webhook.minSeverity', minSeverity),
      field('webhook.format', format),
      field('webhook.sites', sites, { hint: 'user.sitesHint', wide: true }),
    ),
    h('div', { class: 'form-actions' }, submit),
    status.el,
  );
  const listStatus = createStatus('webhook-list-status');
  const listHolder = h('div', { class: 'admin-list', 'data-testid': 'webhook-admin-list' });
  const refresh = tx('button', 'admin.refresh', { type: 'button', 'data-testid': 'deliveries-refresh' });
  const deliveriesHolder = h('div', { class: 'admin-list', 'data-testid': 'delivery-log' });
  const el = h(
    'div',
    { class: 'admin-section' },
    form,
    listStatus.el,
    listHolder,
    h('div', { class: 'section-head' }, tx('h2', 'webhook.deliveries'), refresh),
    deliveriesHolder,
  );

  let hooks: Webhook[] | undefined;
  let deliveries: Delivery[] | undefined;
  let hooksError: string | undefined;
  let deliveriesError: string | undefined;

  const siteName = (id: string) => ctx.sites.get(id)?.name ?? id;
  const placeholder = (error: string | undefined) =>
    h('p', { class: 'muted' }, error ? t('admin.loadFailed', { reason: error }) : t('admin.loading'));

  const renderHooks = () => {
    if (!hooks) {
      listHolder.replaceChildren(placeholder(hooksError));
      return;
    }
    listHolder.replaceChildren(
      h('h2', {}, t('webhook.list', { n: formatNumber(hooks.length, getLang()) })),
      table(
        ['webhook.url', 'webhook.sites', 'webhook.minSeverity', 'webhook.format', 'admin.actions'],
        hooks.map((w) => [
          h('code', { class: 'url' }, w.url),
          w.sites?.length ? w.sites.map(siteName).join(', ') : t('webhook.allSites'),
          w.minSeverity ? t(`alarm.severity.${w.minSeverity}`) : t('filter.all'),
          t(`webhook.format.${w.format ?? 'json'}`),
          tx('button', 'admin.delete', {
            type: 'button',
            'data-delete': w.id,
            'data-url': w.url,
            'data-testid': 'webhook-delete',
          }),
        ]),
      ),
    );
  };

  const renderDeliveries = () => {
    if (!deliveries) {
      deliveriesHolder.replaceChildren(placeholder(deliveriesError));
      return;
    }
    if (deliveries.length === 0) {
      deliveriesHolder.replaceChildren(tx('p', 'admin.empty', { class: 'muted' }));
      return;
    }
    const lang = getLang();
    const hookUrl = (id: string) => hooks?.find((w) => w.id === id)?.url ?? id;
    deliveriesHolder.replaceChildren(
      table(
        [
          'webhook.col.time',
          'webhook.url',
          'webhook.col.alarm',
          'webhook.col.event',
          'webhook.col.status',
          'webhook.col.attempts',
          'webhook.col.error',
        ],
        deliveries.map((d) => {
          const at = toMs(d.deliveredAt) ?? toMs(d.createdAt);
          const eventKey = `webhook.event.${d.event}` as MessageKey;
          return [
            at === undefined ? '—' : formatDateTimeWib(at, lang),
            h('code', { class: 'url' }, hookUrl(d.webhookId)),
            h('code', {}, d.alarmId),
            EVENTS.has(d.event) ? t(eventKey) : d.event,
            h('span', { class: 'delivery-status', 'data-status': d.status }, t(`webhook.status.${d.status}`)),
            formatNumber(d.attempts, lang),
            d.lastError ?? '',
          ];
        }),
        { 'data-testid': 'delivery-table' },
      ),
    );
  };

  const loadHooks = async () => {
    try {
      hooks = await api.webhooks();
      hooksError = undefined;
    } catch (err) {
      hooksError = errorReason(err);
    }
    renderHooks();
  };
  const loadDeliveries = async () => {
    try {
      deliveries = await api.deliveries(DELIVERY_LIMIT);
      deliveriesError = undefined;
    } catch (err) {
      deliveriesError = errorReason(err);
    }
    renderDeliveries();
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.clear();
    const input: WebhookInput = {
      url: url.value.trim(),
      secret: secret.value,
      format: format.value as 'json' | 'text',
    };
    const chosen = selectedValues(sites);
    if (chosen.length) input.sites = chosen;
    if (minSeverity.value) input.minSeverity = minSeverity.value as 'warning' | 'critical';
    try {
      await busy(submit, () => api.createWebhook(input));
      status.ok(t('webhook.created'));
      form.reset();
      void loadHooks();
    } catch (err) {
      status.error(formFailure(form, err));
    }
  });
  listHolder.addEventListener('click', async (event) => {
    const del = (event.target as HTMLElement).closest<HTMLButtonElement>('[data-delete]');
    if (!del?.dataset.delete) return;
    const id = del.dataset.delete;
    if (!window.confirm(t('admin.confirmDelete', { name: del.dataset.url ?? id }))) return;
    try {
      await busy(del, () => api.deleteWebhook(id));
      void loadHooks();
    } catch (err) {
      listStatus.error(t('admin.failed', { reason: errorReason(err) }));
    }
  });
  refresh.addEventListener('click', () => void busy(refresh, loadDeliveries));

  const fillSites = () => {
    const chosen = selectedValues(sites);
    const list = [...ctx.sites.sites.values()].sort((a, b) => a.name.localeCompare(b.name, 'id'));
    sites.replaceChildren(
      ...list.map((s) =>
        h('option', { value: s.id, selected: chosen.includes(s.id) }, `${s.name} (${s.id})`),
      ),
    );
  };
  const unsubscribe = ctx.sites.subscribe((changes) => {
    if (changes.reset || changes.removed.size > 0 || sites.options.length !== ctx.sites.sites.size)
      fillSites();
  });
  const offLang = onLangChange(() => {
    renderHooks();
    renderDeliveries();
  });
  fillSites();
  renderHooks();
  renderDeliveries();
  void loadHooks().then(loadDeliveries);
  return {
    el,
    destroy() {
      unsubscribe();
      offLang();
    },
  };
}
