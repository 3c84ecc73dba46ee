/**
 * Connecting as a server identity. Services speak plain MQTT 3.1.1 so any broker works
 * (aedes here, EMQX or Mosquitto in a bigger city). Usernames `svc:<name>` cannot collide with
 * device ids (which never contain ':'); the broker grants them the derived and registry topics.
 */
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { skipMqttNumberCache } from './mqtt-number-cache.ts';

export const SERVICE_USER_PREFIX = 'svc:';
export const serviceUser = (name: string) => `${SERVICE_USER_PREFIX}${name}`;
export const isServiceUser = (username: string | undefined) => !!username?.startsWith(SERVICE_USER_PREFIX);

export interface ServiceConnectOptions {
  url: string;
  service: string;
  secret: string;
  /** Fixed client id for a persistent session (clean: false); random otherwise. */
  clientId?: string;
  /**
   * Attached before the connection opens: with a persistent session the broker sends queued
   * messages right after CONNACK, before an awaited connect would let the caller attach one.
   */
  onMessage?: (topic: string, payload: Buffer, packet: IPublishPacket) => void;
  extra?: IClientOptions;
}

/** Connects and resolves once the first CONNACK arrives; rejects (and ends the client) on a refused or failed first connect. */
export function connectService(options: ServiceConnectOptions): Promise<MqttClient> {
  const { url, service, secret, clientId, onMessage, extra } = options;
  skipMqttNumberCache();
  const client = mqtt.connect(url, {
    protocolVersion: 4,
    username: serviceUser(service),
    password: secret,
    clientId: clientId ?? `${service}-${Math.random().toString(16).slice(2, 10)}`,
    clean: clientId === undefined,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    ...extra,
  });
  if (onMessage) client.on('message', onMessage);
  return new Promise((resolve, reject) => {
    const onConnect = () => {
      client.off('error', onError);
      resolve(client);
    };
    const onError = (err: Error) => {
      client.off('connect', onConnect);
      client.end(true);
      reject(new Error(`MQTT connect to ${url} as ${serviceUser(service)} failed: ${err.message}`));
    };
    client.once('connect', onConnect);
    client.once('error', onError);
  });
}
