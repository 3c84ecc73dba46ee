/**
 * Tells people about alarms (issue 3 "Delivery"; DOMAIN.md "Alarms": re-notify while open, fast
 * but without spam). It watches the AlarmCache and, for every matching webhook (site filter,
 * minSeverity), enqueues one delivery per event:
 *   raised     a new alarm (not already acknowledged)
 *   escalated  warning -> critical of an alarm not cleared
 *   renotify   every `renotifyMs` (registry alarmSettingsFor(site)) after raisedAt while the alarm
 *              is open and unacknowledged (acknowledging silences repeats)
 *   cleared    the alarm was cleared (by the system or by hand)
 * Each delivery has an idempotency key (webhook + alarm + event [+ renotify round or escalation
 * time]); the persisted DeliveryLog is checked before enqueuing, so a delivery is never made twice,
 * across restarts too. Failures retry with exponential backoff and jitter; a per-site, per-webhook
 * rate limit suppresses bursts (recorded as `suppressed`), except that an alarm worse than every
 * one sent in the window still goes out: a fever warning must not hold back a capacity critical.
 *
 * Bounds (issue #6 item 3, docs/queues.md "Dashboard: webhook deliveries"): a webhook that is
 * down or hangs until WEBHOOK_TIMEOUT_MS keeps its deliveries pending for up to
 * WEBHOOK_MAX_AGE_MS (a day), and pending records are never evicted from the log, so they are
 * capped at `maxPendingPerWebhook`; past it the OLDEST pending delivery of that webhook not in
 * flight is dropped (recorded as failed, counted): the newest says how the site is now. One
 * webhook holds at most MAX_IN_FLIGHT_PER_WEBHOOK of the MAX_IN_FLIGHT requests, so a hanging
 * endpoint does not delay the others. The serialized chain (`queue`) never waits for HTTP, only
 * for the log's disk writes; while those are slow, ticks coalesce into one and at most
 * MAX_QUEUED_CHANGES alarm changes wait (newer ones are dropped and counted).
 */
import { createHash } from 'node:crypto';
import { type Alarm, DEFAULT_ALARM_SETTINGS, SEVERITY_RANK, type Severity } from '../../shared/alarms.ts';
import type { Clock } from '../../shared/clock.ts';
import { type Logger, rateLimitedLog } from '../../shared/log.ts';
import type { AlarmCache } from '../alarm-cache.ts';
import type { DashboardMetrics } from '../metrics.ts';
import type { RegistryStore } from '../registry-store.ts';
import { alarmJson, alarmText, type SiteRef } from './alarm-message.ts';
import type { Delivery, DeliveryLog, NotifyEvent } from './delivery-log.ts';
import { attempt, backoffMs } from './webhook-sender.ts';
import type { Webhook, WebhookStore } from './webhook-store.ts';

export interface NotifierSettings {
  /** How often due retries and re-notifications are looked for. */
  tickMs: number;
  /** At most one notification per site per webhook in this window; 0 turns the limit off. */
  rateLimitMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  timeoutMs: number;
  /** A delivery still failing this long after it was created is given up. */
  maxAgeMs: number;
  userAgent: string;
  /** Pending deliveries kept per webhook (WEBHOOK_MAX_PENDING, default 500); beyond, the oldest is dropped. */
  maxPendingPerWebhook?: number;
}

export interface NotifierDeps {
  webhooks: WebhookStore;
  deliveries: DeliveryLog;
  alarms: AlarmCache;
  registry: RegistryStore;
  clock: Clock;
  random?: () => number;
  logger: Logger;
  metrics: DashboardMetrics;
}

/** Most deliveries in flight at once. */
const MAX_IN_FLIGHT = 16;
/** Most in flight to one webhook: a hanging endpoint holds these for WEBHOOK_TIMEOUT_MS each. */
export const MAX_IN_FLIGHT_PER_WEBHOOK = 4;
/** Alarm changes waiting for the serialized chain (only a stalled disk makes them wait). */
const MAX_QUEUED_CHANGES = 10_000;

/** Stable per webhook + alarm + event: 32 hex characters. */
export function idempotencyKey(webhookId: string, alarmId: string, tag: string): string {
  return createHash('sha256').update(`${webhookId}|${alarmId}|${tag}`).digest('hex').slice(0, 32);
}

/** The worst severity the alarm ever had (a cleared alarm may have de-escalated first). */
function peakSeverity(alarm: Alarm): Severity {
  return alarm.severity === 'critical' || alarm.history.some((h) => h.severity === 'critical')
    ? 'critical'
    : 'warning';
}

/**
 * @example
 * const notifier = new Notifier(settings, { webhooks, deliveries, alarms, registry, clock, logger, metrics });
 * notifier.start();
 * await notifier.stop();
 */
export class Notifier {
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Requests in flight per webhook id. */
  private readonly inFlightByHook = new Map<string, number>();
  /** Aborts in-flight requests at stop, so a hanging endpoint does not hold the shutdown. */
  private readonly abort = new AbortController();
  private stopped = false;
  private queuedChanges = 0;
  private tickQueued: Promise<void> | undefined;
  /** Drops are counted one by one but logged at most 5 per 10 s per kind. */
  private readonly dropLog = rateLimitedLog();
  /** Rate-limit windows per `${webhookId}|${siteId}`: when the window opened, worst severity sent in it. */
  private readonly windows = new Map<string, { at: number; rank: number }>();
  /** Enqueuing runs one change at a time, so "key not in the log" and "put" cannot interleave. */
  private queue: Promise<void> = Promise.resolve();
  private readonly random: () => number;
  private readonly onChange = (alarm: Alarm, previous: Alarm | undefined) => {
    if (this.queuedChanges >= MAX_QUEUED_CHANGES) {
      this.deps.metrics.webhookQueueDropped.inc({ queue: 'changes' });
      this.dropLog('changes', (suppressed) =>
        this.deps.logger.warn({ alarm: alarm.id, suppressed }, 'notifier backlog full: alarm change dropped'),
      );
      return;
    }
    this.queuedChanges++;
    void this.serialized(() => {
      this.queuedChanges--;
      return this.handleChange(alarm, previous);
    });
  };

  constructor(
    private readonly settings: NotifierSettings,
    private readonly deps: NotifierDeps,
  ) {
    this.random = deps.random ?? Math.random;
  }

  start(): void {
    for (const d of this.deps.deliveries.all()) {
      if (d.status === 'suppressed') continue;
      const k = `${d.webhookId}|${d.siteId}`;
      const w = this.windows.get(k);
      if (!w || d.createdAt >= w.at)
        this.windows.set(k, { at: d.createdAt, rank: SEVERITY_RANK[d.severity as Severity] ?? 1 });
    }
    this.deps.alarms.on('change', this.onChange);
    this.timer = setInterval(() => {
      void this.tick();
    }, this.settings.tickMs);
    void this.tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.deps.alarms.off('change', this.onChange);
    await this.queue;
    this.stopped = true;
    this.abort.abort();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Re-notifications now due, then retries now due (what the interval runs). Never throws. */
  tick(): Promise<void> {
    // A tick still waiting its turn does the same work: join it instead of queuing another.
    this.tickQueued ??= this.serialized(async () => {
      this.tickQueued = undefined;
      await this.renotify();
      this.sendDue();
    });
    return this.tickQueued;
  }

  private serialized(fn: () => Promise<void>): Promise<void> {
    const run = this.queue
      .then(fn)
      .catch((err: unknown) => this.deps.logger.error({ err }, 'notifier failed'));
    this.queue = run;
    return run;
  }

  private async handleChange(alarm: Alarm, previous: Alarm | undefined): Promise<void> {
    if (previous?.id !== alarm.id) {
      if (alarm.state === 'open') await this.enqueue(alarm, 'raised', 'raised', alarm.severity);
      return;
    }
    if (previous.state !== 'cleared' && alarm.state === 'cleared') {
      await this.enqueue(alarm, 'cleared', 'cleared', peakSeverity(alarm));
    } else if (
      alarm.state !== 'cleared' &&
      SEVERITY_RANK[alarm.severity] > SEVERITY_RANK[previous.severity]
    ) {
      await this.enqueue(alarm, 'escalated', `escalated-${alarm.updatedAt}`, alarm.severity);
    }
  }

  private async renotify(): Promise<void> {
    const now = this.deps.clock.now();
    for (const alarm of this.deps.alarms.list({ state: 'unacknowledged' })) {
      const site = this.deps.registry.getSite(alarm.siteId);
      const every = site
        ? this.deps.registry.replica.alarmSettingsFor(site).renotifyMs
        : DEFAULT_ALARM_SETTINGS.renotifyMs;
      // Rounds on a grid from raisedAt, so a restart neither repeats nor skips the current round.
      const round = Math.floor((now - alarm.raisedAt) / every);
      if (round >= 1) await this.enqueue(alarm, 'renotify', `renotify-${round}`, alarm.severity);
    }
  }

  private matches(hook: Webhook, alarm: Alarm, severity: Severity): boolean {
    if (hook.sites && !hook.sites.includes(alarm.siteId)) return false;
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[hook.minSeverity];
  }

  private async enqueue(alarm: Alarm, event: NotifyEvent, tag: string, severity: Severity): Promise<void> {
    const now = this.deps.clock.now();
    const site = this.siteRef(alarm.siteId);
    for (const hook of this.deps.webhooks.list()) {
      if (!this.matches(hook, alarm, severity)) continue;
      const key = idempotencyKey(hook.id, alarm.id, tag);
      if (this.deps.deliveries.has(key)) continue;
      const allowed = this.admit(`${hook.id}|${alarm.siteId}`, event, SEVERITY_RANK[severity], now);
      const body =
        hook.format === 'text'
          ? alarmText(event, alarm, site, now)
          : JSON.stringify(alarmJson(event, alarm, site, now));
      const delivery: Delivery = {
        key,
        webhookId: hook.id,
        alarmId: alarm.id,
        siteId: alarm.siteId,
        event,
        severity,
        status: allowed ? 'pending' : 'suppressed',
        attempts: 0,
        lastStatus: null,
        lastError: allowed ? null : 'rate limited',
        createdAt: now,
        updatedAt: now,
        nextAttemptAt: allowed ? now : null,
        deliveredAt: null,
        contentType: hook.format === 'text' ? 'text/plain; charset=utf-8' : 'application/json',
        body,
      };
      if (allowed) await this.makeRoom(hook.id);
      await this.deps.deliveries.put(delivery);
      if (!allowed) {
        this.deps.metrics.notificationsSuppressed.inc();
        this.deps.metrics.notifications.inc({ event, status: 'suppressed' });
        this.deps.logger.info(
          { webhook: hook.id, site: alarm.siteId, alarm: alarm.id, event },
          'notification suppressed by rate limit',
        );
        continue;
      }
      this.send(key, hook.id);
    }
  }

  /** The rate limit: true when this notification may go out now (and then counts in the window). */
  private admit(windowKey: string, event: NotifyEvent, rank: number, now: number): boolean {
    const limit = this.settings.rateLimitMs;
    const w = this.windows.get(windowKey);
    if (limit <= 0 || !w || now - w.at >= limit) {
      this.windows.set(windowKey, { at: now, rank });
      return true;
    }
    if ((event === 'raised' || event === 'escalated') && rank > w.rank) {
      w.rank = rank;
      return true;
    }
    return false;
  }

  private siteRef(siteId: string): SiteRef {
    const site = this.deps.registry.getSite(siteId);
    return { id: siteId, name: site?.name ?? siteId, kind: site?.kind ?? null };
  }

  /**
   * Keeps one webhook's pending deliveries under `maxPendingPerWebhook` before another is added:
   * the oldest not in flight is dropped (an in-flight one would be written back by its attempt).
   */
  private async makeRoom(webhookId: string): Promise<void> {
    const max = this.settings.maxPendingPerWebhook ?? 500;
    const pending = this.deps.deliveries.pending().filter((d) => d.webhookId === webhookId);
    let excess = pending.length + 1 - max;
    for (const d of pending) {
      if (excess <= 0) return;
      if (this.inFlight.has(d.key)) continue;
      excess--;
      await this.deps.deliveries.put({
        ...d,
        status: 'failed',
        lastError: `dropped: ${max} deliveries already pending for this webhook (WEBHOOK_MAX_PENDING)`,
        updatedAt: this.deps.clock.now(),
        nextAttemptAt: null,
      });
      this.deps.metrics.webhookQueueDropped.inc({ queue: 'pending' });
      this.deps.metrics.notifications.inc({ event: d.event, status: 'dropped' });
      this.dropLog(`pending|${webhookId}`, (suppressed) =>
        this.deps.logger.warn(
          { webhook: webhookId, key: d.key, suppressed },
          'webhook queue full: oldest pending delivery dropped',
        ),
      );
    }
  }

  private sendDue(): void {
    const now = this.deps.clock.now();
    for (const d of this.deps.deliveries.pending()) {
      if (this.inFlight.size >= MAX_IN_FLIGHT) return;
      if ((d.nextAttemptAt ?? 0) <= now) this.send(d.key, d.webhookId);
    }
  }

  private send(key: string, webhookId = this.deps.deliveries.get(key)?.webhookId ?? ''): void {
    if (this.stopped || this.inFlight.has(key) || this.inFlight.size >= MAX_IN_FLIGHT) return;
    const busy = this.inFlightByHook.get(webhookId) ?? 0;
    if (busy >= MAX_IN_FLIGHT_PER_WEBHOOK) return;
    this.inFlightByHook.set(webhookId, busy + 1);
    const run = this.deliver(key)
      .catch((err: unknown) => this.deps.logger.error({ err, key }, 'webhook delivery failed unexpectedly'))
      .finally(() => {
        this.inFlight.delete(key);
        const left = (this.inFlightByHook.get(webhookId) ?? 1) - 1;
        if (left > 0) this.inFlightByHook.set(webhookId, left);
        else this.inFlightByHook.delete(webhookId);
      });
    this.inFlight.set(key, run);
  }

  private async deliver(key: string): Promise<void> {
    const d = this.deps.deliveries.get(key);
    if (d?.status !== 'pending') return;
    const hook = this.deps.webhooks.get(d.webhookId);
    const started = this.deps.clock.now();
    if (!hook || started - d.createdAt > this.settings.maxAgeMs) {
      await this.finish(d, { status: 'failed', lastError: hook ? 'gave up: too old' : 'webhook removed' });
      return;
    }
    const result = await attempt({
      url: hook.url,
      secret: hook.secret,
      key,
      event: d.event,
      contentType: d.contentType,
      body: d.body,
      timeoutMs: this.settings.timeoutMs,
      userAgent: this.settings.userAgent,
      signal: this.abort.signal,
    });
    // Cut off by stop(): not an attempt; the record stays pending and resumes at the next start.
    if (this.stopped) return;
    const now = this.deps.clock.now();
    const attempts = d.attempts + 1;
    if (result.ok) {
      this.deps.metrics.webhookAttempts.inc({ result: 'ok' });
      await this.finish(d, {
        status: 'delivered',
        attempts,
        lastStatus: result.status,
        lastError: null,
        deliveredAt: now,
      });
      return;
    }
    this.deps.metrics.webhookAttempts.inc({ result: result.retry ? 'retry' : 'refused' });
    const base = { attempts, lastStatus: result.status, lastError: result.error };
    if (!result.retry || attempts >= this.settings.maxAttempts) {
      this.deps.logger.warn(
        { webhook: hook.id, key, attempts, error: result.error },
        'webhook delivery failed',
      );
      await this.finish(d, { ...base, status: 'failed' });
      return;
    }
    const wait = Math.min(
      this.settings.backoffMaxMs,
      Math.max(
        backoffMs(
          attempts,
          { baseMs: this.settings.backoffBaseMs, maxMs: this.settings.backoffMaxMs },
          this.random,
        ),
        result.retryAfterMs ?? 0,
      ),
    );
    await this.deps.deliveries.put({ ...d, ...base, updatedAt: now, nextAttemptAt: now + wait });
  }

  private async finish(
    d: Delivery,
    change: Partial<Delivery> & { status: Delivery['status'] },
  ): Promise<void> {
    await this.deps.deliveries.put({
      ...d,
      ...change,
      updatedAt: this.deps.clock.now(),
      nextAttemptAt: null,
    });
    this.deps.metrics.notifications.inc({ event: d.event, status: change.status });
  }
}
