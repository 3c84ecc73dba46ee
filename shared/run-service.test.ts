import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config.ts';
import { startFailure } from './run-service.ts';

/** The error Node gives a second listen on a port that is taken. */
async function addressInUse(): Promise<Error> {
  const first = createServer().listen(0, '127.0.0.1');
  await once(first, 'listening');
  const { port } = first.address() as { port: number };
  const second = createServer().listen(port, '127.0.0.1');
  const [err] = (await once(second, 'error')) as [Error];
  await new Promise((r) => first.close(r));
  return err;
}

describe('startFailure', () => {
  it('names the taken port and what to do, without a stack', async () => {
    const err = await addressInUse();
    const [line, ...rest] = startFailure('jagajarak', err);
    expect(rest).toEqual([]);
    const port = (err as { port?: number }).port;
    expect(line).toBe(
      `jagajarak failed to start: port ${port} on 127.0.0.1 is already in use (another jagajarak, or another program).` +
        ' Stop it, or choose free ports (README "Configuration": HTTP_PORT, MQTT_PORT, MQTT_WS_PORT, OPS_PORT).',
    );
  });

  it('says a low port needs privileges', () => {
    const err = Object.assign(new Error('listen EACCES: permission denied 0.0.0.0:80'), {
      code: 'EACCES',
      address: '0.0.0.0',
      port: 80,
    });
    expect(startFailure('dashboard', err)).toEqual([
      'dashboard failed to start: not allowed to listen on port 80 on 0.0.0.0 (ports under 1024 need privileges).',
    ]);
  });

  it('prints a configuration error as its list of problems, anything else with the error itself', () => {
    const config = new ConfigError('Invalid broker configuration: MQTT_PORT: expected a number');
    expect(startFailure('broker', config)).toEqual([config.message]);
    const other = new Error('boom');
    expect(startFailure('ingest', other)).toEqual(['ingest failed to start:', other]);
    // An EACCES that is not about a port (a file) is an ordinary failure.
    const file = Object.assign(new Error('EACCES: permission denied, open /data/registry.json'), {
      code: 'EACCES',
    });
    expect(startFailure('dashboard', file)).toEqual(['dashboard failed to start:', file]);
  });
});
