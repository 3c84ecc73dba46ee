/**
 * Broker configuration (STYLE.md rule 4): the environment variables it reads, with defaults,
 * validated once by the entry file. Port 0 asks the OS for an ephemeral port (tests).
 */
import { z } from 'zod';
import { ConfigError, type Env, loadConfig, logEnv, mqttClientEnv, port } from '../shared/config.ts';
import { opsEnv } from '../shared/ops-server.ts';
import { filters } from '../shared/topics.ts';
import { parseDurableSessions } from './durable-sessions.ts';
import { securityEnv, securityProblems } from './security-config.ts';

/**
 * MQTT 3.1.1 encodes the remaining length in at most 4 bytes, so no packet can be longer than
 * 268,435,455 bytes; protocol v1 payloads are under 200 bytes and registry records a few KiB.
 */
const MQTT_MAX_REMAINING_LENGTH = 268_435_455;

export const brokerConfigSchema = z.object({
  /** MQTT over TCP. */
  MQTT_PORT: port(1883),
  /** MQTT over WebSocket, served at path `/mqtt` (browsers, networks that only pass HTTP). */
  MQTT_WS_PORT: port(8083),
  MQTT_HOST: z.string().min(1).default('0.0.0.0'),
  /** Password of the server identities (`svc:<name>`); see shared/mqtt-service.ts. */
  MQTT_SERVICE_SECRET: mqttClientEnv.MQTT_SERVICE_SECRET,
  /**
   * Largest MQTT remaining length accepted on a connection. aedes 1.2 has no limit of its own
   * (aedes issue #831), so the packet guard closes connections that announce more.
   */
  MQTT_MAX_PACKET_BYTES: z.coerce.number().int().min(1024).max(MQTT_MAX_REMAINING_LENGTH).default(262_144),
  /**
   * QoS 1 messages kept per persistent session (ingest's, above all) while it is offline or slow;
   * new ones past it are dropped for that client and counted (broker/bounded-persistence.ts,
   * docs/queues.md). 500,000 is about 10 minutes of a 10,000-device fleet at 0.1 msg/s each,
   * roughly 200 MB of broker memory.
   */
  MQTT_MAX_QUEUED_PER_CLIENT: z.coerce.number().int().min(1).default(500_000),
  /**
   * A subscriber whose socket has not drained for this long is disconnected (aedes'
   * `drainTimeout`; 0 = never). While it lasts, the messages routed to it hold up all routing
   * (aedes waits for every subscriber), so it is shorter than aedes' 60 s.
   */
  MQTT_DRAIN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  /**
   * Persistent sessions the broker declares at start (broker/durable-sessions.ts), so QoS 1
   * messages queue for them before they connect: `clientId=filter[,filter];...`. The default is
   * ingest's data session (INGEST_CLIENT_ID and shared/topics.ts `filters.allDeviceStreams`): after
   * a broker restart, what devices replay before ingest is back waits for it. `none` declares none.
   */
  MQTT_DURABLE_SESSIONS: z
    .string()
    .default(`jagajarak-ingest=${filters.allDeviceStreams}`)
    .transform((text, ctx) => {
      if (text.trim() === 'none') return [];
      try {
        return parseDurableSessions(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  /**
   * Messages queued for a CONNECTED durable consumer (ingest) above which device publishes are
   * held until it catches up (broker/consumer-backpressure.ts); 0 turns it off. Under the queue
   * bound, so the devices slow down before anything acknowledged could be dropped.
   */
  MQTT_BACKPRESSURE_QUEUE: z.coerce.number().int().min(0).default(50_000),
  /**
   * Longest one device publish is held for a consumer that is behind; then it is queued anyway.
   * aedes keeps reading a held connection (PINGREQ included), so keepalives do not expire.
   */
  MQTT_BACKPRESSURE_MAX_HOLD_MS: z.coerce.number().int().min(10).max(600_000).default(60_000),
  /**
   * At a stop, how long connected durable consumers (ingest) get to acknowledge what the broker
   * holds for them, after every other client is closed (broker/stop-drain.ts). The embedded
   * persistence is in memory: what is left then is lost. Under an orchestrator's stop grace
   * period (docker: 10 s). 0 = close at once.
   */
  MQTT_STOP_DRAIN_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
  /**
   * Connections in a burst after which the standalone broker compacts its heap once, a second
   * after the last of them (broker/burst-compaction.ts): a pause of ~0.3 s at 10,000 devices,
   * ~80 MiB less RSS. 0 = never.
   */
  MQTT_COMPACT_AFTER_CONNECTS: z.coerce.number().int().min(0).max(10_000_000).default(1_000),
  ...securityEnv,
  ...logEnv,
  /** `/metrics` and `/healthz` of the standalone broker (shared/ops-server.ts); OPS_PORT 0 = off. */
  ...opsEnv(9101),
});

export type BrokerConfig = z.infer<typeof brokerConfigSchema>;

/**
 * Validates the broker's environment, reporting every problem at once.
 *
 * @example
 * const config = loadBrokerConfig({ MQTT_PORT: '0', MQTT_WS_PORT: '0', MQTT_SERVICE_SECRET: 'x'.repeat(32) });
 * config.MQTT_MAX_PACKET_BYTES // 262144
 */
export function loadBrokerConfig(env: Env): BrokerConfig {
  const config = loadConfig(brokerConfigSchema, env, 'broker');
  const problems = securityProblems(config);
  if (problems.length > 0) throw new ConfigError(`Invalid broker configuration: ${problems.join('; ')}`);
  return config;
}
