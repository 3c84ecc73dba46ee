import { describe, expect, it } from 'vitest';
import { ConfigError } from '../shared/config.ts';
import { LOAD_HELP, parseLoadArgs } from './load-config.ts';

const SECRET = { MQTT_SERVICE_SECRET: 'a-service-secret-of-some-length' };

describe('load mode flags', () => {
  it('maps flags onto the configuration, secrets only from the environment', () => {
    const parsed = parseLoadArgs(
      ['--devices', '20000', '--rate', '30000', '--duration', '60', '--workers', '2', '--no-cmd'],
      { ...SECRET, MQTT_URL: 'mqtt://broker:1883' },
    );
    if (parsed.help) throw new Error('unexpected help');
    expect(parsed.config).toMatchObject({
      devices: 20_000,
      rate: 30_000,
      duration: 60,
      workers: 2,
      mqtt: 'mqtt://broker:1883',
      cmd: false,
      serviceSecret: SECRET.MQTT_SERVICE_SECRET,
    });
  });

  it('documents every flag it accepts in --help', () => {
    expect(parseLoadArgs(['--help'], {})).toEqual({ help: true });
    const flags = [...LOAD_HELP.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1]);
    for (const flag of flags.filter((f) => !['--help', '--json', '--quiet', '--no-cmd'].includes(f!)))
      expect(() => parseLoadArgs([flag!, '1'], SECRET), flag).not.toThrow(/Unknown option/);
  });

  it('reports every invalid value at once and asks for the service secret to provision', () => {
    expect(() => parseLoadArgs(['--devices', '0', '--malformed-rate', '2'], SECRET)).toThrow(
      /devices.*malformedRate|malformedRate.*devices/,
    );
    expect(() => parseLoadArgs([], {})).toThrow(ConfigError);
    expect(() => parseLoadArgs(['--malformed-kinds', 'invalid-json,bogus'], SECRET)).toThrow(
      /malformedKinds/,
    );
  });
});
