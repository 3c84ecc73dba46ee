import { z } from 'zod';
import { influxEnv, logEnv, mqttClientEnv } from '../shared/config.ts';
import { DEFAULT_POLICY_ID } from '../shared/policy.ts';

/** Environment read by ingest (documented in README "Configuration"). */
export const ingestEnvSchema = z.object({
  ...mqttClientEnv,
  ...influxEnv,
  ...logEnv,
  /** Client id of the persistent session: the broker keeps QoS 1 messages for it while ingest is down. */
  INGEST_CLIENT_ID: z.string().min(1).max(128).default('jagajarak-ingest'),
  /** Policy assumed until the registry's policy record arrives. */
  POLICY_PRESET: z.string().default(DEFAULT_POLICY_ID),
  /** How often changed site states are published and stored (coalescing window). */
  STATE_FLUSH_MS: z.coerce.number().int().min(10).max(5000).default(100),
  /** How often pending level transitions (e.g. the 30 s warning) are re-evaluated. */
  LEVEL_TICK_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  /** Quiet time after the registry subscription before device messages are processed. */
  REGISTRY_SETTLE_MS: z.coerce.number().int().min(0).max(60_000).default(300),
});

export type IngestEnv = z.infer<typeof ingestEnvSchema>;

export interface IngestConfig {
  mqttUrl: string;
  serviceSecret: string;
  clientId: string;
  policyId: string;
  stateFlushMs: number;
  levelTickMs: number;
  registrySettleMs: number;
}

export function ingestConfigFrom(env: IngestEnv): IngestConfig {
  return {
    mqttUrl: env.MQTT_URL,
    serviceSecret: env.MQTT_SERVICE_SECRET,
    clientId: env.INGEST_CLIENT_ID,
    policyId: env.POLICY_PRESET,
    stateFlushMs: env.STATE_FLUSH_MS,
    levelTickMs: env.LEVEL_TICK_MS,
    registrySettleMs: env.REGISTRY_SETTLE_MS,
  };
}
