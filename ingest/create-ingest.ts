/**
 * Ingest: validates every device message, keeps per-site state, writes readings and site state
 * to the history store and publishes site state (retained) on MQTT. It also owns every alarm's
 * lifecycle (alarms/alarm-monitor.ts) and the counting corrections (count-corrections.ts), and
 * answers operators' control requests (control-handler.ts).
 *
 * Two MQTT connections, both as the server identity `svc:ingest`:
 * - `registry`: clean session on `crowd/v1/registry/#` (retained sites, devices, policy, alarm
 *   settings), the control topics (a request made while ingest is down is not applied late: the
 *   dashboard has already told the operator it timed out) and, only while starting, the retained
 *   alarms (merged with the store's, newest wins).
 * - `data`: persistent session (fixed client id, clean: false) on the device streams, so the
 *   broker keeps QoS 1 messages while ingest is away. Device messages are only processed once
 *   the registry has settled: mqtt.js handles incoming messages one at a time and sends the
 *   PUBACK only when `handleMessage` calls back (DESIGN.md "Known traps"), so holding the first
 *   callback holds the backlog in the broker instead of rejecting it as "unknown device".
 */
import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import { Registry } from 'prom-client';
import type { Alarm, AlarmType, ControlReply } from '../shared/alarms.ts';
import { type Clock, systemClock } from '../shared/clock.ts';
import { FORECAST_FIT_DAYS } from '../shared/forecast.ts';
import { type Logger, silentLogger } from '../shared/log.ts';
import { connectService } from '../shared/mqtt-service.ts';
import { RegistryReplica } from '../shared/registry-replica.ts';
import { LEVELS } from '../shared/registry-schemas.ts';
import type { SiteState } from '../shared/site-state.ts';
import type { HistoryStore } from '../shared/store/history-store.ts';
import { filters, parseTopic, topics } from '../shared/topics.ts';
import { AckGate } from './ack-gate.ts';
import { AlarmMonitor } from './alarms/alarm-monitor.ts';
import type { AlarmChange } from './alarms/alarm-record.ts';
import { DEFAULT_RESTORE_LOOKBACK_MS } from './alarms/alarm-store.ts';
import { ForecastAlarms } from './alarms/forecast-rule.ts';
import type { IngestConfig } from './config.ts';
import { createControlHandler } from './control-handler.ts';
import { type Correction, CountCorrections } from './count-corrections.ts';
import { DeadLetters } from './dead-letters.ts';
import { deviceMessageHandler } from './device-messages.ts';
import { ForecastModels } from './forecast-models.ts';
import { ingestMetrics } from './ingest-metrics.ts';
import { SiteTracker } from './site-tracker.ts';
import { StatePublisher } from './state-publisher.ts';
import { restoreSiteState } from './state-restore.ts';

export interface IngestDeps {
  store: HistoryStore;
  logger?: Logger;
  metrics?: Registry;
  clock?: Clock;
}

export interface IngestEvents {
  /** A site state went out on the live feed (after coalescing), without its device list. */
  state: [state: SiteState];
  rejected: [reason: string, deviceId: string | undefined, error: string];
  /** An alarm transition was stored and published. */
  alarm: [change: AlarmChange];
  /** A counting correction was applied and recorded. */
  correction: [correction: Correction];
  /** A control request was answered. */
  reply: [reply: ControlReply];
}

/** Control requests held while ingest is starting; more are dropped (their sender times out). */
const MAX_PENDING_CONTROL = 1000;
/** How long stop() waits for the store to confirm what it may still acknowledge to the broker. */
const STOP_DRAIN_MS = 5000;

export function createIngest(config: IngestConfig, deps: IngestDeps) {
  const { store } = deps;
  const log = deps.logger ?? silentLogger;
  const clock = deps.clock ?? systemClock;
  const metrics = ingestMetrics(deps.metrics ?? new Registry());
  const events = new EventEmitter<IngestEvents>();
  const registry = new RegistryReplica(config.policyId);
  // Capacity hysteresis and pending times per site (defaults <- city <- kind <- site).
  const tracker = new SiteTracker(registry, (site) => registry.alarmSettingsFor(site).capacity);
  const monitor = new AlarmMonitor({
    registry,
    tracker,
    store,
    publish: (topic, payload) => dataClient?.publish(topic, payload, { qos: 1, retain: true }),
    log,
    metrics,
    onChange: (change) => events.emit('alarm', change),
  });
  // capacity-forecast warning (issue #7 item 3): models refitted from the store, evaluated per minute.
  const forecastModels = new ForecastModels(store, log, {
    refitEveryMs: config.forecastRefitMs ?? 15 * 60_000,
    fitDays: config.forecastHistoryDays ?? FORECAST_FIT_DAYS,
  });
  const forecasts = new ForecastAlarms({
    registry,
    models: forecastModels,
    state: (siteId) => tracker.snapshot(siteId, { devices: false }),
    isOpen: (siteId) => {
      const alarm = monitor.engine.get(siteId, 'capacity-forecast');
      return alarm !== undefined && alarm.state !== 'cleared';
    },
    report: (siteId, condition, now) => monitor.report(siteId, 'capacity-forecast', condition, now),
    evaluateEveryMs: config.forecastEvaluateMs ?? 60_000,
  });
  const corrections = new CountCorrections(
    { resetHour: config.resetHour ?? 4, resetTimeZone: config.resetTimeZone ?? 'Asia/Jakarta' },
    {
      registry,
      tracker,
      store,
      log,
      metrics,
      onCorrected: (siteId, correction) => {
        markChanged(siteId);
        states.flush();
        events.emit('correction', correction);
      },
    },
  );
  const handleControl = createControlHandler({
    monitor,
    corrections,
    reply: (reply) => {
      dataClient?.publish(topics.controlReply(reply.requestId), JSON.stringify(reply), { qos: 1 });
      events.emit('reply', reply);
    },
    log,
    metrics,
    now: () => clock.now(),
  });
  // Restarts lose nothing (issue #6 item 2): PUBACK only once the store has the message, and the
  // site state rebuilt from the store at start (state-restore.ts).
  const ackGate = new AckGate({
    flush: () => store.flush(),
    minIntervalMs: config.ackIntervalMs ?? 100,
    maxUnacked: config.maxUnacked ?? 20_000,
    onError: (err) => log.warn({ err }, 'store flush failed; messages stay unacknowledged'),
  });
  let restoredSites: string[] = [];
  const pendingControl: Array<[string, Buffer]> = [];
  const states = new StatePublisher(
    {
      registry,
      tracker,
      store,
      clock,
      metrics,
      publish: (topic, payload, options) => dataClient?.publish(topic, payload, options),
      onState: (state) => events.emit('state', state),
    },
    { storeMs: config.stateStoreMs ?? 1000, retainMs: config.stateRetainMs ?? 1000 },
  );
  const deadLetters = new DeadLetters({
    store,
    clock,
    log,
    metrics,
    onRejected: (reason, deviceId, error) => events.emit('rejected', reason, deviceId, error),
  });
  let registryClient: MqttClient | undefined;
  let dataClient: MqttClient | undefined;
  let timers: NodeJS.Timeout[] = [];
  let lastRegistryAt = 0;
  /** Whether the registry owner's full registry was seen before the restore (registryComplete). */
  let registryKnown = false;
  let ready = false;
  let markReady: () => void = () => {};
  let readyPromise = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  registry.on('site', (id, site) => {
    if (site) {
      if (tracker.snapshot(id, { devices: false })) markChanged(id);
      return;
    }
    tracker.forget(id);
    states.forget(id);
    monitor.siteRemoved(id, clock.now());
    forecasts.siteRemoved(id);
    registryClient?.publish(topics.siteState(id), '', { qos: 1, retain: true });
  });
  registry.on('device', (id, device) => {
    if (device) {
      monitor.deviceKnown(id, clock.now());
      return;
    }
    monitor.deviceForgotten(id);
    for (const siteId of tracker.forgetDevice(id)) markChanged(siteId);
  });
  registry.on('policy', (policy) => {
    log.info({ policy: policy.id }, 'city capacity policy changed; re-evaluating every site');
    for (const id of tracker.siteIds()) markChanged(id);
  });
  registry.on('alarmSettings', () => {
    log.info('alarm settings changed; re-evaluating every site');
    for (const id of tracker.siteIds()) markChanged(id);
    if (ready) monitor.tick(clock.now());
  });
  registry.on('invalid', (topic, error) => log.warn({ topic, error }, 'invalid registry record ignored'));

  /** Re-runs the level machine and the capacity alarm of a site and queues its state for publishing. */
  function markChanged(siteId: string): void {
    const now = clock.now();
    tracker.evaluate(siteId, now);
    monitor.capacity(siteId, now);
    states.changed(siteId);
  }

  const onDeviceMessage = deviceMessageHandler({
    registry,
    tracker,
    monitor,
    store,
    deadLetters,
    metrics,
    clock,
    log,
    markChanged,
  });

  function tick(): void {
    const now = clock.now();
    for (const id of tracker.tick(now)) {
      states.changed(id);
      monitor.capacity(id, now);
    }
    corrections.tick(now);
    monitor.tick(now);
    forecasts.tick(now);
    const byLevel = Object.fromEntries(LEVELS.map((l) => [l, 0])) as Record<string, number>;
    for (const id of tracker.siteIds()) {
      const level = tracker.level(id);
      if (level) byLevel[level] = (byLevel[level] ?? 0) + 1;
    }
    for (const [level, n] of Object.entries(byLevel)) metrics.sites.set({ level }, n);
  }

  function onControlMessage(topic: string, payload: Buffer): void {
    if (ready) handleControl(topic, payload);
    else if (pendingControl.length < MAX_PENDING_CONTROL) pendingControl.push([topic, payload]);
  }

  /**
   * Takes back the alarms that were open before this start (issue part 2): the store's newest
   * record of each (site, type), merged with the retained ones already offered; and each site's
   * counting corrections. An unreachable store is retried for `alarmRestoreTimeoutMs`; after that
   * ingest goes on with what the broker kept (logged as an error: alarms missing from both may be
   * raised again with a new id, and counts restart from the devices' totals).
   */
  async function restoreFromStore(): Promise<void> {
    const deadline = Date.now() + (config.alarmRestoreTimeoutMs ?? 60_000);
    for (let attempt = 1; ; attempt++) {
      try {
        const lookback = config.alarmRestoreLookbackMs ?? DEFAULT_RESTORE_LOOKBACK_MS;
        const open = await monitor.restore(clock.now(), lookback);
        const counting = await corrections.restore(store, clock.now(), lookback);
        const state = await restoreSiteState(store, registry, tracker, clock.now(), lookback);
        restoredSites = state.sites;
        log.info(
          { open, counting, sites: state.sites.length, readings: state.readings },
          'alarms, counting corrections and site state restored',
        );
        return;
      } catch (err) {
        if (Date.now() >= deadline) {
          log.error(
            { err, attempt },
            'could not read alarms and corrections from the store; going on without',
          );
          return;
        }
        log.warn({ err, attempt }, 'reading alarms and corrections from the store failed; retrying');
        await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** attempt)));
      }
    }
  }

  /** Resolves once no registry message has arrived for `registrySettleMs` (retained replay done). */
  async function registrySettled(): Promise<void> {
    const deadline = Date.now() + Math.max(10 * config.registrySettleMs, 5000);
    while (Date.now() - lastRegistryAt < config.registrySettleMs && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, config.registrySettleMs / 3));
    }
  }

  /**
   * The registry as its owner published it, or as much as arrived within `registryWaitMs`.
   * Resolves true when the owner's policy record (published after every site and device) was
   * seen, or when not waiting for it is configured; false when ingest goes on without it.
   */
  async function registryComplete(): Promise<boolean> {
    await registrySettled();
    const waitMs = config.registryWaitMs ?? 0;
    if (waitMs === 0 || registry.policyRecord) return true;
    log.info({ waitMs }, 'waiting for the registry owner (dashboard) to publish the registry');
    const deadline = Date.now() + waitMs;
    while (!registry.policyRecord && Date.now() < deadline && registryClient)
      await new Promise((r) => setTimeout(r, Math.max(10, config.registrySettleMs / 3)));
    if (!registry.policyRecord) {
      log.warn(
        { waitMs, sites: registry.sites.size },
        'the registry owner did not publish within REGISTRY_WAIT_MS; starting with the registry as it is',
      );
      return false;
    }
    await registrySettled();
    return true;
  }

  return {
    events,
    registry,
    /** Site state as ingest currently sees it. */
    state: (siteId: string) => tracker.snapshot(siteId),
    /** The latest alarm of each (site, type), cleared ones included. */
    alarms: (): Alarm[] => monitor.engine.all(),
    /** The latest alarm of one (site, type). */
    alarm: (siteId: string, type: AlarmType): Alarm | undefined => monitor.engine.get(siteId, type),
    /** When the next daily count reset runs (epoch ms), once started. */
    nextDailyReset: () => corrections.nextDailyReset(),
    /** Device messages acknowledged to the broker after the store had them, and waiting now (ack-gate.ts). */
    acks: () => ({ ...ackGate.stats, unacked: ackGate.unacked }),
    /** Rejection counts per reason and device. */
    rejections: () => deadLetters.counts(),
    /** Both MQTT connections are up (the ops server's /healthz). */
    connected: () => Boolean(registryClient?.connected && dataClient?.connected),
    /** Resolves once the queued forecast model refits are done (tests). */
    forecastIdle: () => forecastModels.idle(),

    async start(): Promise<void> {
      lastRegistryAt = Date.now();
      registryClient = await connectService({
        url: config.mqttUrl,
        service: 'ingest',
        secret: config.serviceSecret,
        onMessage: (topic, payload) => {
          const kind = parseTopic(topic)?.kind;
          if (kind === 'control-alarm' || kind === 'control-counts') return onControlMessage(topic, payload);
          lastRegistryAt = Date.now();
          if (kind === 'site-alarm') {
            if (!ready) monitor.offerRetained(payload);
            return;
          }
          registry.handle(topic, payload);
        },
      });
      await registryClient.subscribeAsync([filters.registry, filters.allSiteAlarms], { qos: 1 });
      await registryClient.subscribeAsync([filters.control, filters.controlCounts], { qos: 1 });
      const prepared = registryComplete().then(async (complete) => {
        registryKnown = complete;
        await restoreFromStore();
      });
      dataClient = await connectService({
        url: config.mqttUrl,
        service: 'ingest',
        secret: config.serviceSecret,
        clientId: config.clientId,
        extra: { clean: false },
      });
      ackGate.attach(dataClient);
      dataClient.handleMessage = (packet, callback) => {
        const handle = () =>
          ackGate.handle(packet, callback, () =>
            onDeviceMessage(packet.topic, packet.payload as Buffer, packet.retain),
          );
        if (ready) handle();
        else readyPromise.then(handle);
      };
      dataClient.on('reconnect', () => log.warn('ingest reconnecting to the broker'));
      dataClient.on('error', (err) => log.error({ err: err.message }, 'ingest MQTT error'));
      // Not awaited before ready: a held message of the persistent session blocks mqtt.js's
      // incoming queue, SUBACK included, until ready releases it.
      const subscribed = dataClient.subscribeAsync(filters.allDeviceStreams, { qos: 1 });
      await prepared;
      await registryClient.unsubscribeAsync(filters.allSiteAlarms);
      const now = clock.now();
      monitor.start(now);
      // Alarms of sites deleted while ingest was away; not when the registry may be incomplete.
      if (registryKnown)
        for (const alarm of monitor.engine.open())
          if (!registry.sites.has(alarm.siteId)) monitor.siteRemoved(alarm.siteId, now);
      corrections.start(now);
      forecasts.start(now);
      for (const id of restoredSites) markChanged(id);
      ready = true;
      markReady();
      for (const [topic, payload] of pendingControl.splice(0)) handleControl(topic, payload);
      await subscribed;
      timers = [
        setInterval(() => states.flush(), config.stateFlushMs),
        setInterval(tick, config.levelTickMs),
      ];
      log.info(
        {
          sites: registry.sites.size,
          devices: registry.devices.size,
          policy: registry.policy.id,
          openAlarms: monitor.engine.open().length,
          nextDailyReset: new Date(corrections.nextDailyReset()!).toISOString(),
          store: store.describe(),
        },
        'ingest running',
      );
    },

    async stop(): Promise<void> {
      for (const t of timers) clearInterval(t);
      await forecastModels.stop();
      timers = [];
      states.drain();
      // What the store does not confirm in time stays with the broker for the next ingest.
      await ackGate.drain(STOP_DRAIN_MS);
      await Promise.all([dataClient?.endAsync(), registryClient?.endAsync()]);
      dataClient = registryClient = undefined;
      ready = false;
      readyPromise = new Promise<void>((resolve) => {
        markReady = resolve;
      });
    },
  };
}

export type Ingest = ReturnType<typeof createIngest>;
