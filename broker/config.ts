/**
 * Broker configuration (STYLE.md rule 4): the environment variables it reads, with defaults,
 * validated once by the entry file. Port 0 asks the OS for an ephemeral port (tests).
 */
import { z } from 'zod';
import { type Env, loadConfig, logEnv, mqttClientEnv, port } from '../shared/config.ts';

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
  ...logEnv,
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
  return loadConfig(brokerConfigSchema, env, 'broker');
}
