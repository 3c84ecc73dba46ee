import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConfigError,
  influxConfigFrom,
  influxEnv,
  loadConfig,
  logEnv,
  mqttClientEnv,
  onOff,
  port,
} from './config.ts';

const schema = z.object({
  PORT: port(8080),
  METRICS: onOff('on'),
  ...mqttClientEnv,
  ...influxEnv,
  ...logEnv,
});
const secret = 'a-service-secret-of-32-characters';

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(schema, env, 'ingest');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the defaults', () => {
    expect(loadConfig(schema, { MQTT_SERVICE_SECRET: secret }, 'ingest')).toEqual({
      PORT: 8080,
      METRICS: true,
      MQTT_URL: 'mqtt://127.0.0.1:1883',
      MQTT_SERVICE_SECRET: secret,
      INFLUX_ORG: 'jagajarak',
      INFLUX_BUCKET: 'jagajarak',
      INFLUX_API: 'auto',
      SPOOL_MAX_BYTES: 1024 ** 3,
      LOG_LEVEL: 'info',
    });
  });

  it('coerces ports from strings and ignores variables it does not know', () => {
    const config = loadConfig(schema, { MQTT_SERVICE_SECRET: secret, PORT: '0', HOME: '/root' }, 'ingest');
    expect(config.PORT).toBe(0);
    expect(config).not.toHaveProperty('HOME');
  });

  it('treats empty strings as unset, so defaults still apply (docker-compose `FOO=`)', () => {
    const config = loadConfig(
      schema,
      {
        MQTT_SERVICE_SECRET: secret,
        PORT: '',
        MQTT_URL: '',
        INFLUX_URL: '',
        LOG_LEVEL: '',
        METRICS: undefined,
      },
      'ingest',
    );
    expect(config).toMatchObject({
      PORT: 8080,
      MQTT_URL: 'mqtt://127.0.0.1:1883',
      LOG_LEVEL: 'info',
      METRICS: true,
    });
    expect(config.INFLUX_URL).toBeUndefined();
  });

  it('treats an empty required variable as missing', () => {
    expect(configError({ MQTT_SERVICE_SECRET: '' }).message).toMatch(/MQTT_SERVICE_SECRET /);
  });

  it('reports every problem at once, naming the service and each variable', () => {
    const error = configError({
      PORT: '70000',
      METRICS: 'maybe',
      MQTT_URL: 'not a url',
      MQTT_SERVICE_SECRET: 'short',
      INFLUX_API: 'v3',
      LOG_LEVEL: 'loud',
    });
    expect(error.name).toBe('ConfigError');
    expect(error.message).toMatch(/^Invalid ingest configuration: /);
    const problems = error.message.replace(/^Invalid ingest configuration: /, '').split('; ');
    expect(problems.map((line) => line.split(' ')[0]).sort()).toEqual(
      ['INFLUX_API', 'LOG_LEVEL', 'METRICS', 'MQTT_SERVICE_SECRET', 'MQTT_URL', 'PORT'].sort(),
    );
    expect(error.message).toContain('MQTT_SERVICE_SECRET must be at least 16 characters');
  });

  it.each(['-1', '1.5', 'http'])('rejects the port %o', (PORT) => {
    expect(configError({ MQTT_SERVICE_SECRET: secret, PORT }).message).toMatch(/PORT /);
  });
});

describe('onOff', () => {
  it.each([
    ['on', true],
    ['true', true],
    ['1', true],
    ['off', false],
    ['false', false],
    ['0', false],
  ])('reads %o as %s', (value, expected) => {
    expect(onOff('off').parse(value)).toBe(expected);
  });

  it('falls back to its default when unset', () => {
    expect(onOff('on').parse(undefined)).toBe(true);
    expect(onOff('off').parse(undefined)).toBe(false);
  });

  it.each(['yes', 'ON', '', '2'])('rejects %o', (value) => {
    expect(onOff('on').safeParse(value).success).toBe(false);
  });
});

describe('influxConfigFrom', () => {
  const base = { INFLUX_ORG: 'jagajarak', INFLUX_BUCKET: 'crowd', INFLUX_API: 'auto' } as const;

  it('is undefined without INFLUX_URL (the embedded store is used)', () => {
    expect(influxConfigFrom(base)).toBeUndefined();
    expect(influxConfigFrom({ ...base, INFLUX_URL: '' })).toBeUndefined();
  });

  it('defaults the database to the bucket', () => {
    expect(influxConfigFrom({ ...base, INFLUX_URL: 'http://127.0.0.1:8086' })).toEqual({
      url: 'http://127.0.0.1:8086',
      token: undefined,
      org: 'jagajarak',
      bucket: 'crowd',
      database: 'crowd',
      retentionPolicy: undefined,
      api: 'auto',
    });
  });

  it('keeps an explicit database, token, retention policy and API', () => {
    const config = influxConfigFrom({
      ...base,
      INFLUX_URL: 'http://influx:8086',
      INFLUX_TOKEN: 'user:pass',
      INFLUX_DATABASE: 'jagajarak_v1',
      INFLUX_RETENTION_POLICY: 'autogen',
      INFLUX_API: 'v1',
    });
    expect(config).toMatchObject({
      database: 'jagajarak_v1',
      token: 'user:pass',
      retentionPolicy: 'autogen',
      api: 'v1',
    });
  });

  it('works on the output of loadConfig', () => {
    const env = loadConfig(
      z.object(influxEnv),
      { INFLUX_URL: 'http://influx:8086', INFLUX_DATABASE: '' },
      'x',
    );
    expect(influxConfigFrom(env)?.database).toBe('jagajarak');
  });
  it('gives each writer its own spool directory under DATA_DIR unless SPOOL_DIR is set, and none at SPOOL_MAX_BYTES=0', () => {
    const url = { ...base, INFLUX_URL: 'http://influx:8086' };
    expect(influxConfigFrom({ ...url, DATA_DIR: '/data' }, 'ingest')).toMatchObject({
      spoolDir: join('/data', 'spool', 'ingest'),
      spoolMaxBytes: 1024 ** 3,
    });
    expect(influxConfigFrom(url, 'dashboard')?.spoolDir).toBe(join('./data', 'spool', 'dashboard'));
    expect(
      influxConfigFrom({ ...url, SPOOL_DIR: '/var/spool/x', SPOOL_MAX_BYTES: 5 }, 'ingest'),
    ).toMatchObject({
      spoolDir: '/var/spool/x',
      spoolMaxBytes: 5,
    });
    expect(influxConfigFrom({ ...url, SPOOL_MAX_BYTES: 0 }, 'ingest')?.spoolDir).toBeUndefined();
    expect(influxConfigFrom(url)?.spoolDir).toBeUndefined();
  });
});
