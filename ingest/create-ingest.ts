/**
 * Ingest: validates every device message, keeps per-site state, writes readings and site state
 * to the history store and publishes site state (retained) on MQTT.
 *
 * Two MQTT connections, both as the server identity `svc:ingest`:
 * - `registry`: clean session on `crowd/v1/registry/#` (retained sites, devices, policy).
 * - `data`: persistent session (fixed client id, clean: false) on the device streams, so the
 *   broker keeps QoS 1 messages while ingest is away. Device messages are only processed once
 *   the registry has settled: mqtt.js handles incoming messages one at a time and sends the
 *   PUBACK only when `handleMessage` calls back (DESIGN.md "Known traps"), so holding the first
 *   callback holds the backlog in the broker instead of rejecting it as "unknown device".
 */
import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import { Registry } from 'prom-client';
import { DEFAULT_THRESHOLDS } from '../shared/capacity.ts';
import { type Clock, systemClock } from '../shared/clock.ts';
import { type Logger, rateLimitedLog, silentLogger } from '../shared/log.ts';
import { connectService } from '../shared/mqtt-service.ts';
import { RegistryReplica } from '../shared/registry-replica.ts';
import { LEVELS } from '../shared/registry-schemas.ts';
import type { SiteState } from '../shared/site-state.ts';
import type { HistoryStore } from '../shared/store/history-store.ts';
import { filters, topics } from '../shared/topics.ts';
import type { IngestConfig } from './config.ts';
import { ingestMetrics } from './ingest-metrics.ts';
import { readingPoint, rejectedPoint, siteStatePoint } from './points.ts';
import { SiteTracker } from './site-tracker.ts';
import { validateMessage } from './validate-message.ts';

export interface IngestDeps {
  store: HistoryStore;
  logger?: Logger;
  metrics?: Registry;
  clock?: Clock;
}

export interface IngestEvents {
  /** A site state was published (after coalescing). */
  state: [state: SiteState];
  rejected: [reason: string, deviceId: string | undefined, error: string];
}

const MAX_REJECTION_KEYS = 10_000;

export function createIngest(config: IngestConfig, deps: IngestDeps) {
  const { store } = deps;
  const log = deps.logger ?? silentLogger;
  const clock = deps.clock ?? systemClock;
  const metrics = ingestMetrics(deps.metrics ?? new Registry());
  const events = new EventEmitter<IngestEvents>();
  const registry = new RegistryReplica(config.policyId);
  const tracker = new SiteTracker(registry, () => DEFAULT_THRESHOLDS);
  const dirty = new Set<string>();
  /** Rejections per `reason|deviceId`, bounded (Prometheus gets the reason only: device ids are unbounded). */
  const rejections = new Map<string, number>();
  const limitLog = rateLimitedLog();
  let registryClient: MqttClient | undefined;
  let dataClient: MqttClient | undefined;
  let timers: NodeJS.Timeout[] = [];
  let lastRegistryAt = 0;
  let lastRejectTs = 0;

  registry.on('site', (id, site) => {
    if (site) {
      if (tracker.evaluate(id, clock.now()) || tracker.snapshot(id)) dirty.add(id);
      return;
    }
    tracker.forget(id);
    dirty.delete(id);
    registryClient?.publish(topics.siteState(id), '', { qos: 1, retain: true });
  });
  registry.on('device', (id, device) => {
    if (device) return;
    for (const siteId of tracker.forgetDevice(id)) markChanged(siteId);
  });
  registry.on('policy', (policy) => {
    log.info({ policy: policy.id }, 'city capacity policy changed; re-evaluating every site');
    for (const id of tracker.siteIds()) markChanged(id);
  });
  registry.on('invalid', (topic, error) => log.warn({ topic, error }, 'invalid registry record ignored'));

  function markChanged(siteId: string): void {
    tracker.evaluate(siteId, clock.now());
    dirty.add(siteId);
  }

  function reject(
    topic: string,
    payload: Buffer,
    reason: string,
    error: string,
    deviceId: string | undefined,
  ): void {
    const now = clock.now();
    metrics.rejected.inc({ reason });
    const key = `${reason}|${deviceId ?? 'unknown'}`;
    if (rejections.has(key) || rejections.size < MAX_REJECTION_KEYS)
      rejections.set(key, (rejections.get(key) ?? 0) + 1);
    // InfluxDB keeps one point per series and timestamp: a burst of rejections within one
    // millisecond would overwrite each other, so dead letters get strictly increasing times.
    lastRejectTs = Math.max(now, lastRejectTs + 1);
    store.write(rejectedPoint(topic, payload, reason, error, deviceId, lastRejectTs));
    limitLog(key, (suppressed) =>
      log.warn({ reason, deviceId, topic: topic.slice(0, 200), error, suppressed }, 'message rejected'),
    );
    events.emit('rejected', reason, deviceId, error);
  }

  function onDeviceMessage(topic: string, payload: Buffer): void {
    try {
      const v = validateMessage(topic, payload, registry);
      if (!v.ok) {
        reject(topic, payload, v.reason, v.error, v.deviceId);
        return;
      }
      const now = clock.now();
      metrics.received.inc({ stream: v.message.stream });
      store.write(readingPoint(v.message, v.device, v.site, now));
      const outcome = tracker.apply(v.site.id, v.message, now);
      if (outcome === 'stale') {
        metrics.stale.inc();
        return;
      }
      if (outcome === 'reboot') {
        metrics.reboots.inc();
        log.info(
          { deviceId: v.device.id, siteId: v.site.id },
          'door counter totals went down: device rebooted, new baseline',
        );
      }
      markChanged(v.site.id);
    } catch (err) {
      metrics.handlerErrors.inc();
      log.error({ err, topic: topic.slice(0, 200) }, 'unexpected error handling a device message');
    }
  }

  function flushStates(): void {
    if (dirty.size === 0) return;
    const now = clock.now();
    for (const id of dirty) {
      const state = tracker.snapshot(id);
      const site = registry.sites.get(id);
      if (!state || !site) continue;
      dataClient?.publish(topics.siteState(id), JSON.stringify(state), { qos: 1, retain: true });
      const point = siteStatePoint(state, site, now);
      if (point) store.write(point);
      metrics.statePublishes.inc();
      events.emit('state', state);
    }
    dirty.clear();
  }

  function tick(): void {
    for (const id of tracker.tick(clock.now())) dirty.add(id);
    const byLevel = Object.fromEntries(LEVELS.map((l) => [l, 0])) as Record<string, number>;
    for (const id of tracker.siteIds()) {
      const level = tracker.snapshot(id)?.level;
      if (level) byLevel[level] = (byLevel[level] ?? 0) + 1;
    }
    for (const [level, n] of Object.entries(byLevel)) metrics.sites.set({ level }, n);
  }

  /** Resolves once no registry message has arrived for `registrySettleMs` (retained replay done). */
  async function registrySettled(): Promise<void> {
    const deadline = Date.now() + Math.max(10 * config.registrySettleMs, 5000);
    while (Date.now() - lastRegistryAt < config.registrySettleMs && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, config.registrySettleMs / 3));
    }
  }

  return {
    events,
    registry,
    /** Site state as ingest currently sees it. */
    state: (siteId: string) => tracker.snapshot(siteId),
    /** Rejection counts per reason and device. */
    rejections: () => new Map(rejections),

    async start(): Promise<void> {
      lastRegistryAt = Date.now();
      registryClient = await connectService({
        url: config.mqttUrl,
        service: 'ingest',
        secret: config.serviceSecret,
        onMessage: (topic, payload) => {
          lastRegistryAt = Date.now();
          registry.handle(topic, payload);
        },
      });
      await registryClient.subscribeAsync(filters.registry, { qos: 1 });
      const settled = registrySettled();
      dataClient = await connectService({
        url: config.mqttUrl,
        service: 'ingest',
        secret: config.serviceSecret,
        clientId: config.clientId,
        extra: { clean: false },
      });
      let ready = false;
      dataClient.handleMessage = (packet, callback) => {
        if (ready) {
          onDeviceMessage(packet.topic, packet.payload as Buffer);
          return callback();
        }
        settled.then(() => {
          ready = true;
          onDeviceMessage(packet.topic, packet.payload as Buffer);
          callback();
        });
      };
      dataClient.on('reconnect', () => log.warn('ingest reconnecting to the broker'));
      dataClient.on('error', (err) => log.error({ err: err.message }, 'ingest MQTT error'));
      await dataClient.subscribeAsync(filters.allDeviceStreams, { qos: 1 });
      await settled;
      ready = true;
      timers = [setInterval(flushStates, config.stateFlushMs), setInterval(tick, config.levelTickMs)];
      log.info(
        {
          sites: registry.sites.size,
          devices: registry.devices.size,
          policy: registry.policy.id,
          store: store.describe(),
        },
        'ingest running',
      );
    },

    async stop(): Promise<void> {
      for (const t of timers) clearInterval(t);
      timers = [];
      flushStates();
      await Promise.all([dataClient?.endAsync(), registryClient?.endAsync()]);
      dataClient = registryClient = undefined;
    },
  };
}

export type Ingest = ReturnType<typeof createIngest>;
