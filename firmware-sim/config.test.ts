import { describe, expect, it } from 'vitest';
import { ConfigError } from '../shared/config.ts';
import { loadSimulatorConfig } from './config.ts';

describe('simulator config', () => {
  it('applies the defaults around the required admin password', () => {
    const { simulator } = loadSimulatorConfig({ ADMIN_PASSWORD: 'rahasia' });
    expect(simulator).toEqual({
      apiUrl: 'http://127.0.0.1:3000',
      mqttUrl: 'mqtt://127.0.0.1:1883',
      adminUser: 'admin',
      adminPassword: 'rahasia',
      seed: 2020,
      speed: 1,
      start: undefined,
      tickMs: 1000,
      filter: { maxBuses: undefined, sites: undefined },
      connectTimeoutMs: 30_000,
    });
  });

  it('reads every variable', () => {
    const { simulator } = loadSimulatorConfig({
      ADMIN_PASSWORD: 'x',
      SIM_SEED: '7',
      SIM_SPEED: '60',
      SIM_START: 'sat 18:30',
      SIM_TICK_MS: '500',
      SIM_MAX_BUSES: '4',
      SIM_SITES: 'bus-k1-01, pasar-botania',
    });
    expect(simulator).toMatchObject({ seed: 7, speed: 60, start: 'sat 18:30', tickMs: 500 });
    expect(simulator.filter).toEqual({ maxBuses: 4, sites: ['bus-k1-01', 'pasar-botania'] });
  });

  it('reports every problem at once', () => {
    let error: unknown;
    try {
      loadSimulatorConfig({ SIM_SPEED: '0', SIM_START: '25:00', SIM_API_URL: 'nope' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['ADMIN_PASSWORD', 'SIM_SPEED', 'SIM_START', 'SIM_API_URL'])
      expect(message).toContain(name);
  });
});
