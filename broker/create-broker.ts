/**
 * The MQTT broker: aedes 1.2 (MQTT 3.1.1) over TCP and over WebSocket (`/mqtt`), with protocol v1
 * access control (access-policy.ts), device and service authentication against a registry replica
 * (authenticator.ts) and a packet size guard (packet-guard.ts).
 *
 * The registry replica is fed the way every other service feeds its own: from the retained
 * `crowd/v1/registry/#` messages, here through aedes' in-process `subscribe`, which behaves the
 * same when aedes is clustered (mqemitter-redis + a Redis persistence, passed in `deps.aedes`).
 * Retained records already in the persistence are read once at start.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type AedesOptions, type AedesPublishPacket, type Client } from 'aedes';
import { Registry } from 'prom-client';
import type { Clock } from '../shared/clock.ts';
import { type Logger, rateLimitedLog, silentLogger } from '../shared/log.ts';
import { skipMqttNumberCache } from '../shared/mqtt-number-cache.ts';
import { RegistryReplica } from '../shared/registry-replica.ts';
import type { DeviceRecord } from '../shared/registry-schemas.ts';
import { filters } from '../shared/topics.ts';
import { decidePublish, decideSubscribe, type Identity, identityKey, mayForward } from './access-policy.ts';
import { AuthError, Authenticator, type ConnectInfo } from './authenticator.ts';
import { boundedEmitter } from './bounded-emitter.ts';
import { BoundedPersistence } from './bounded-persistence.ts';
import { brokerMetrics, CLIENT_KINDS } from './broker-metrics.ts';
import { createBrokerSecurity, RateLimitedError } from './broker-security.ts';
import { classifyClientError } from './client-errors.ts';
import type { BrokerConfig } from './config.ts';
import { ConsumerBackpressure } from './consumer-backpressure.ts';
import { declareDurableSessions, type SubscriptionStore } from './durable-sessions.ts';
import { useLeanParsers } from './lean-parsers.ts';
import { type Listeners, openListeners } from './listeners.ts';
import { guardConnection } from './packet-guard.ts';
import { drainDurableSessions } from './stop-drain.ts';
import { batchWritesPerTurn } from './turn-batched-writes.ts';

export { MQTT_WS_PATH } from './listeners.ts';

export interface BrokerDeps {
  logger?: Logger;
  metrics?: Registry;
  /** Cluster wiring (DESIGN.md "Shape"): e.g. `{ id, mq: mqemitterRedis(), persistence: redisPersistence() }`. */
  aedes?: Pick<AedesOptions, 'id' | 'mq' | 'persistence' | 'heartbeatInterval'>;
  /** Time for the publish rate limit and the login backoff (default: the system clock). */
  clock?: Clock;
}

export interface Broker {
  /**
   * Listens on MQTT_PORT and MQTT_WS_PORT (wss with TLS), and MQTTS_PORT when TLS is configured;
   * resolves with the ports bound (useful with port 0). `mqttPort` is 0 with MQTT_TLS_ONLY.
   */
  start(): Promise<{ mqttPort: number; wsPort: number; mqttsPort?: number }>;
  /**
   * Closes listeners and every client but the durable consumers (last wills are published), lets
   * connected consumers acknowledge their queues (stop-drain.ts, MQTT_STOP_DRAIN_MS), then closes
   * them and aedes. One cycle only: later calls return the first call's promise.
   */
  stop(): Promise<void>;
  readonly aedes: Aedes;
  readonly registry: RegistryReplica;
}

/** A PUBLISH refused by the access policy; already counted and logged when aedes reports it. */
class PublishDeniedError extends Error {
  override name = 'PublishDeniedError';
}

interface RetainedSource {
  createRetainedStreamCombi(patterns: string[]): AsyncIterable<{ topic: string; payload: Buffer }>;
}

/**
 * @example
 * const broker = createBroker(loadBrokerConfig(process.env), { logger });
 * const { mqttPort, wsPort } = await broker.start();
 * // ... later
 * await broker.stop();
 */
export function createBroker(config: BrokerConfig, deps: BrokerDeps = {}): Broker {
  const log = deps.logger ?? silentLogger;
  const metricsRegistry = deps.metrics ?? new Registry();
  const metrics = brokerMetrics(metricsRegistry);
  useLeanParsers();
  skipMqttNumberCache();
  for (const kind of CLIENT_KINDS) metrics.clientsByKind.set({ kind }, 0);
  // Bounded, indexed session queues (docs/queues.md); a cluster passes its own in deps.aedes.
  const persistence = deps.aedes?.persistence
    ? undefined
    : new BoundedPersistence({
        maxQueuedPerClient: config.MQTT_MAX_QUEUED_PER_CLIENT,
        logger: log,
        metrics: metricsRegistry,
      });
  const limited = rateLimitedLog();
  const registry = new RegistryReplica();
  const auth = new Authenticator({
    registry,
    serviceSecret: config.MQTT_SERVICE_SECRET,
    onVerify: () => metrics.secretVerifications.inc(),
    integrations: config.MQTT_INTEGRATIONS,
  });
  const security = createBrokerSecurity(config, {
    metrics,
    log,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  // The durable consumers (ingest) and what the broker holds for each: read by the backpressure
  // while running and by the drain at a stop.
  const consumers = config.MQTT_DURABLE_SESSIONS.map((session) => session.clientId);
  const queueDepth = (clientId: string) => persistence?.queueDepth(clientId) ?? 0;
  // aedes keeps its clients by id but does not type the map.
  const clientsById = () => (aedes as unknown as { clients: Record<string, Client | undefined> }).clients;
  const backpressure = new ConsumerBackpressure({
    consumers,
    depth: queueDepth,
    connected: (clientId) => clientsById()[clientId]?.connected === true,
    highWater: config.MQTT_BACKPRESSURE_QUEUE,
    maxHoldMs: config.MQTT_BACKPRESSURE_MAX_HOLD_MS,
    metrics: { held: metrics.publishesHeld, holding: metrics.publishesHolding },
  });
  const connects = new WeakMap<Client, ConnectInfo>();
  const identities = new WeakMap<Client, Identity>();
  const deviceClients = new Map<string, Set<Client>>();

  const who = (client: Client | null) => {
    const identity = client ? identities.get(client) : undefined;
    return identity ? identityKey(identity) : undefined;
  };

  const aedes = new Aedes({
    // aedes' default emitter overflows the stack under sustained load; see bounded-emitter.ts.
    mq: boundedEmitter(),
    persistence,
    drainTimeout: config.MQTT_DRAIN_TIMEOUT_MS,
    ...deps.aedes,
    preConnect(client, packet, callback) {
      const will = packet.will && {
        topic: packet.will.topic,
        payload: packet.will.payload,
        retain: packet.will.retain === true,
      };
      connects.set(client, { clientId: packet.clientId, clean: packet.clean !== false, will });
      callback(null, true);
    },
    authenticate(client, username, password, done) {
      const connect = connects.get(client) ?? { clientId: client.id, clean: client.clean };
      const refuse = (err: unknown) => {
        const refusal =
          err instanceof AuthError ? err : new AuthError(`authentication failed: ${err}`, 5, 'error');
        metrics.authFailures.inc({ reason: refusal.reason });
        security.authenticationFailed(client, username, refusal.reason);
        // Both come off the wire unchecked (up to 64 KiB each): bound what reaches the log.
        const user = username?.slice(0, 100);
        limited(`auth:${refusal.reason}:${user ?? ''}`, (suppressed) =>
          log.warn(
            {
              clientId: connect.clientId.slice(0, 140),
              username: user,
              reason: refusal.reason,
              returnCode: refusal.returnCode,
              suppressed,
            },
            `connection refused: ${refusal.message}`,
          ),
        );
        // aedes reads `returnCode` for the CONNACK ([MQTT-3.2.2-5]: then closes the connection).
        done(refusal as unknown as Parameters<typeof done>[0], false);
      };
      const backedOff = security.beforeAuthenticate(client, username);
      (backedOff ? Promise.reject(backedOff) : auth.authenticate(connect, username, password)).then(
        (identity) => {
          const overLimit = security.afterAuthenticate(client, username, identity);
          if (overLimit) return refuse(overLimit);
          identities.set(client, identity);
          done(null, true);
        },
        refuse,
      );
    },
    // aedes runs this for client PUBLISH packets and for last wills. On an error it closes the
    // connection without a PUBACK, for QoS 0 and QoS 1 alike: [MQTT-3.3.5-2] lets a server
    // either acknowledge and drop, or close; aedes 1.2 has no way to do the former. A device
    // resending a refused QoS 1 message therefore reconnects and is refused again; the
    // publish_denied counter and the log show it.
    authorizePublish(client, packet, callback) {
      const identity = client ? identities.get(client) : undefined;
      const decision =
        client && !identity
          ? ({ ok: false, reason: 'unknown-client', detail: 'no identity' } as const)
          : decidePublish(identity, packet);
      if (decision.ok) {
        packet.retain = decision.retain;
        if (client && identity?.kind === 'device') {
          // The common path allocates nothing per message: only while ingest is behind is a
          // publish paced first (a flooding device is disconnected by the rate limit, so what
          // is held stays bounded) and then held.
          const isWill = packet === (client as unknown as { will?: unknown }).will;
          if (isWill || !backpressure.congested()) {
            if (!security.pace(client, identity.deviceId, packet, callback)) callback(null);
            return;
          }
          const hold = (err: Error | null) => {
            if (
              err ||
              !backpressure.hold(
                () => client.closed,
                () => callback(null),
              )
            )
              callback(err);
          };
          if (!security.pace(client, identity.deviceId, packet, hold)) hold(null);
          return;
        }
        callback(null);
        return;
      }
      metrics.publishDenied.inc({ reason: decision.reason });
      limited(`pub:${decision.reason}:${who(client)}`, (suppressed) =>
        log.warn(
          {
            clientId: client?.id,
            identity: who(client),
            topic: packet.topic.slice(0, 300),
            reason: decision.reason,
            suppressed,
          },
          `publish refused, closing connection: ${decision.detail}`,
        ),
      );
      callback(new PublishDeniedError(decision.detail));
    },
    authorizeSubscribe(client, subscription, callback) {
      const identity = identities.get(client);
      const decision = identity
        ? decideSubscribe(identity, subscription.topic)
        : ({ ok: false, reason: 'unknown-client' } as const);
      if (decision.ok) {
        callback(null, subscription);
        return;
      }
      metrics.subscribeDenied.inc({ reason: decision.reason });
      limited(`sub:${decision.reason}:${who(client)}`, (suppressed) =>
        log.warn(
          {
            clientId: client.id,
            identity: who(client),
            filter: subscription.topic.slice(0, 300),
            reason: decision.reason,
            suppressed,
          },
          'subscription refused (SUBACK 0x80)',
        ),
      );
      // A null subscription makes aedes answer 0x80 (failure) for it [MQTT-3.9.3]; the others stand.
      callback(null, null);
    },
    authorizeForward(client, packet) {
      return mayForward(identities.get(client), packet.topic) ? packet : null;
    },
  });

  const onClient = (client: Client) => {
    const identity = identities.get(client);
    if (!identity) return;
    auth.claim(client.id, identity);
    if (identity.kind === 'service') batchWritesPerTurn(client.conn);
    if (identity.kind === 'device') {
      const set = deviceClients.get(identity.deviceId) ?? new Set<Client>();
      deviceClients.set(identity.deviceId, set.add(client));
    }
    metrics.clientsByKind.inc({ kind: identity.kind });
    metrics.clientsConnected.set(aedes.connectedClients);
    log.debug({ clientId: client.id, identity: identityKey(identity) }, 'client connected');
  };
  const onClientDisconnect = (client: Client) => {
    const identity = identities.get(client);
    if (identity) auth.release(client.id, identity, client.clean);
    if (identity) metrics.clientsByKind.dec({ kind: identity.kind });
    if (identity?.kind === 'device') {
      const set = deviceClients.get(identity.deviceId);
      set?.delete(client);
      if (set?.size === 0) deviceClients.delete(identity.deviceId);
    }
    metrics.clientsConnected.set(aedes.connectedClients);
    log.debug({ clientId: client.id, identity: who(client) }, 'client disconnected');
  };
  const onClientError = (client: Client, err: Error) => {
    // Refusals were logged where they were decided.
    if (err instanceof AuthError || err instanceof PublishDeniedError || err instanceof RateLimitedError)
      return;
    // A stop closes every client while aedes may still be writing to some: expected, not news.
    if (stopping && err.message === 'connection closed') return;
    const rejection = classifyClientError(err);
    if (rejection?.counter === 'publishDenied') metrics.publishDenied.inc({ reason: rejection.reason });
    else if (rejection) metrics.oversize.inc({ reason: rejection.reason });
    limited(`err:${err.message}:${who(client)}`, (suppressed) =>
      log.warn(
        { clientId: client.id, identity: who(client), reason: err.message, suppressed },
        'client error',
      ),
    );
  };
  const onConnectionError = (_client: Client, err: Error) => {
    limited(`conn:${err.message}`, (suppressed) =>
      log.warn({ reason: err.message, suppressed }, 'connection error before CONNECT completed'),
    );
  };
  const onPublish = (_packet: AedesPublishPacket, client: Client | null) => {
    if (client) metrics.messages.inc();
  };
  // A deleted or re-keyed device loses its live sessions at once, not at its next reconnect.
  const onDevice = (deviceId: string, record: DeviceRecord | undefined) => {
    if (!record) auth.forget({ kind: 'device', deviceId, secretHash: '' });
    if (!record) security.forgetDevice(deviceId);
    for (const client of deviceClients.get(deviceId) ?? []) {
      const identity = identities.get(client);
      if (identity?.kind !== 'device' || identity.secretHash === record?.secretHash) continue;
      log.info(
        { clientId: client.id, deviceId },
        record ? 'device re-keyed, closing its session' : 'device deleted, closing its session',
      );
      client.close();
    }
  };
  const onInvalidRecord = (topic: string, error: string) =>
    limited(`registry:${topic}`, (suppressed) =>
      log.warn({ topic, error, suppressed }, 'invalid registry record ignored'),
    );
  const deliverRegistry = (packet: AedesPublishPacket, callback: () => void) => {
    try {
      registry.handle(packet.topic, packet.payload as Buffer);
    } catch (err) {
      log.error({ err, topic: packet.topic }, 'registry record failed');
    }
    callback();
  };

  const onGuardReject =
    (remote: string | undefined) => (rejection: { reason: string; remainingLength?: number }) => {
      metrics.oversize.inc({ reason: rejection.reason });
      limited(`guard:${rejection.reason}:${remote}`, (suppressed) =>
        log.warn({ remote, ...rejection, suppressed }, 'connection closed by the packet guard'),
      );
    };

  let listeners: Listeners | undefined;
  const accept = (stream: Duplex, remote: string | undefined, req?: IncomingMessage) => {
    const connection = guardConnection(stream, config.MQTT_MAX_PACKET_BYTES, onGuardReject(remote));
    security.track(connection, remote);
    aedes.handle(connection, req);
  };

  async function start(): Promise<{ mqttPort: number; wsPort: number; mqttsPort?: number }> {
    try {
      registry.on('device', onDevice);
      registry.on('invalid', onInvalidRecord);
      auth.attach();
      aedes.on('client', onClient);
      aedes.on('clientDisconnect', onClientDisconnect);
      aedes.on('clientError', onClientError);
      aedes.on('connectionError', onConnectionError);
      aedes.on('publish', onPublish);
      await aedes.listen();
      await declareDurableSessions(
        (aedes as unknown as { persistence: SubscriptionStore }).persistence,
        config.MQTT_DURABLE_SESSIONS,
        log,
      );
      await new Promise<void>((resolve) => aedes.subscribe(filters.registry, deliverRegistry, resolve));
      const persistence = (aedes as unknown as { persistence: RetainedSource }).persistence;
      for await (const packet of persistence.createRetainedStreamCombi([filters.registry]))
        registry.handle(packet.topic, packet.payload);

      listeners = await openListeners(config, { accept, log, limited });
      const { mqttPort, mqttsPort, wsPort, websocket } = listeners;
      log.info(
        {
          mqttPort,
          mqttsPort,
          wsPort,
          websocket,
          host: config.MQTT_HOST,
          integrations: config.MQTT_INTEGRATIONS.map((a) => `int:${a.name} (${a.rights})`),
          registryDevices: registry.devices.size,
        },
        'broker listening',
      );
      return mqttsPort === undefined ? { mqttPort, wsPort } : { mqttPort, wsPort, mqttsPort };
    } catch (err) {
      await stop();
      throw err;
    }
  }

  let stopping: Promise<void> | undefined;
  function stop(): Promise<void> {
    stopping ??= shutdown();
    return stopping;
  }

  async function shutdown(): Promise<void> {
    const closing = listeners?.stopAccepting();
    if (!aedes.closed) {
      const left = await drainDurableSessions({
        clients: () => Object.values(clientsById()).filter((client) => client !== undefined),
        consumers,
        depth: queueDepth,
        timeoutMs: config.MQTT_STOP_DRAIN_MS,
      });
      if (persistence && Object.keys(left).length > 0)
        log.warn(
          { left, drainMs: config.MQTT_STOP_DRAIN_MS },
          'broker stopping with messages no durable consumer acknowledged: they are lost (in-memory sessions)',
        );
    }
    listeners?.terminateWebSockets();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    listeners?.dropConnections();
    await closing;
    registry.off('device', onDevice);
    registry.off('invalid', onInvalidRecord);
    auth.detach();
    await persistence?.destroy();
    aedes.off('client', onClient);
    aedes.off('clientDisconnect', onClientDisconnect);
    aedes.off('clientError', onClientError);
    aedes.off('connectionError', onConnectionError);
    aedes.off('publish', onPublish);
    metrics.clientsConnected.set(0);
    for (const kind of CLIENT_KINDS) metrics.clientsByKind.set({ kind }, 0);
    security.stop();
    backpressure.stop();
    listeners = undefined;
  }

  return { start, stop, aedes, registry };
}
