import { describe, expect, it } from 'vitest';
import { ConfigError } from '../shared/config.ts';
import { loadBrokerConfig } from './config.ts';

const SECRET = 'a-service-secret-of-32-characters';

describe('loadBrokerConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadBrokerConfig({ MQTT_SERVICE_SECRET: SECRET })).toMatchObject({
      MQTT_PORT: 1883,
      MQTT_WS_PORT: 8083,
      MQTT_HOST: '0.0.0.0',
      MQTT_MAX_PACKET_BYTES: 262_144,
      LOG_LEVEL: 'info',
    });
  });

  it('reads ports, host and packet limit from the environment; 0 means ephemeral', () => {
    const config = loadBrokerConfig({
      MQTT_SERVICE_SECRET: SECRET,
      MQTT_PORT: '0',
      MQTT_WS_PORT: '9001',
      MQTT_HOST: '127.0.0.1',
      MQTT_MAX_PACKET_BYTES: '65536',
    });
    expect(config).toMatchObject({
      MQTT_PORT: 0,
      MQTT_WS_PORT: 9001,
      MQTT_HOST: '127.0.0.1',
      MQTT_MAX_PACKET_BYTES: 65_536,
    });
  });

  it('applies the documented security defaults', () => {
    expect(loadBrokerConfig({ MQTT_SERVICE_SECRET: SECRET })).toMatchObject({
      MQTTS_PORT: 8883,
      MQTT_TLS_ONLY: false,
      MQTT_DEVICE_RATE: 20,
      MQTT_DEVICE_BURST: 200,
      MQTT_MAX_CONNECTIONS: 50_000,
      MQTT_MAX_CONNECTIONS_PER_IP: 1000,
      MQTT_LIMIT_EXEMPT_IPS: ['127.0.0.1', '::1'],
      MQTT_AUTH_MAX_FAILURES: 10,
      MQTT_AUTH_BACKOFF_MAX_SECONDS: 300,
      MQTT_INTEGRATIONS: [],
    });
    expect(loadBrokerConfig({ MQTT_SERVICE_SECRET: SECRET, MQTT_LIMIT_EXEMPT_IPS: 'none' })).toMatchObject({
      MQTT_LIMIT_EXEMPT_IPS: [],
    });
    expect(() =>
      loadBrokerConfig({ MQTT_SERVICE_SECRET: SECRET, MQTT_LIMIT_EXEMPT_IPS: 'localhost' }),
    ).toThrow(/MQTT_LIMIT_EXEMPT_IPS .*not an IP address/);
  });

  it('reports every problem at once and requires the service secret', () => {
    const load = () => loadBrokerConfig({ MQTT_PORT: '70000', MQTT_MAX_PACKET_BYTES: '300000000' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/MQTT_PORT .*; .*MQTT_SERVICE_SECRET|MQTT_SERVICE_SECRET .*; .*MQTT_PORT/);
    expect(load).toThrow(/MQTT_MAX_PACKET_BYTES/);
  });
});
