/**
 * Connecting as a server identity. Services speak plain MQTT 3.1.1 so any broker works
 * (aedes here, EMQX or Mosquitto in a bigger city). Usernames `svc:<name>` cannot collide with
 * device ids (which never contain ':'); the broker grants them the derived and registry topics.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export const SERVICE_USER_PREFIX = 'svc:';
export const serviceUser = (name: string) => `${SERVICE_USER_PREFIX}${name}`;
export const isServiceUser = (username: string | undefined) => !!username?.startsWith(SERVICE_USER_PREFIX);

export interface ServiceConnectOptions {
  url: string;
  service: string;
  secret: string;
  /** Fixed client id for a persistent session (clean: false); random otherwise. */
  clientId?: string;
  extra?: IClientOptions;
}

/** Connects and resolves once the first CONNACK arrives; rejects on a refused or failed first connect. */
export async function connectService(options: ServiceConnectOptions): Promise<MqttClient> {
  const { url, service, secret, clientId, extra } = options;
  return mqtt.connectAsync(url, {
    protocolVersion: 4,
    username: serviceUser(service),
    password: secret,
    clientId: clientId ?? `${service}-${Math.random().toString(16).slice(2, 10)}`,
    clean: clientId === undefined,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    ...extra,
  });
}
