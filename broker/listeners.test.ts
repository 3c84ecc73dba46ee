import { once } from 'node:events';
import { connect, createServer, type Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { rateLimitedLog, silentLogger } from '../shared/log.ts';
import { loadBrokerConfig } from './config.ts';
import { type Listeners, MQTT_WS_PATH, openListeners } from './listeners.ts';

const config = (env: Record<string, string>) =>
  loadBrokerConfig({
    MQTT_PORT: '0',
    MQTT_WS_PORT: '0',
    MQTT_HOST: '127.0.0.1',
    MQTT_SERVICE_SECRET: 'x'.repeat(32),
    ...env,
  });

const open: Listeners[] = [];
const blockers: Server[] = [];
afterEach(async () => {
  for (const listeners of open.splice(0)) {
    const closed = listeners.stopAccepting();
    listeners.terminateWebSockets();
    listeners.dropConnections();
    await closed;
  }
  for (const server of blockers.splice(0)) await new Promise((r) => server.close(r));
});

async function occupiedPort(): Promise<number> {
  const server = createServer();
  blockers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

describe('openListeners', () => {
  it('hands TCP connections to accept, answers plain HTTP with 426, and drops connections at a stop', async () => {
    const accepted: Array<{ connection: Duplex; remote: string | undefined }> = [];
    const listeners = await openListeners(config({}), {
      accept: (connection, remote) => accepted.push({ connection, remote }),
      log: silentLogger,
      limited: rateLimitedLog(),
    });
    open.push(listeners);
    expect(listeners.websocket).toBe('ws');
    expect(listeners.mqttsPort).toBeUndefined();

    const client = connect(listeners.mqttPort, '127.0.0.1');
    await expect.poll(() => accepted.length).toBe(1);
    expect(accepted[0]!.remote).toBe('127.0.0.1');

    const res = await fetch(`http://127.0.0.1:${listeners.wsPort}/`);
    expect(res.status).toBe(426);
    expect(await res.text()).toContain(MQTT_WS_PATH);

    const closed = listeners.stopAccepting();
    listeners.dropConnections();
    await once(client, 'close');
    await closed;
    open.length = 0;
  });

  it('opens all or none: a port that cannot be bound closes the listeners already open', async () => {
    const busy = await occupiedPort();
    const free = await occupiedPort();
    await new Promise((r) => blockers.pop()!.close(r));
    const attempt = openListeners(config({ MQTT_PORT: String(free), MQTT_WS_PORT: String(busy) }), {
      accept: () => {},
      log: silentLogger,
      limited: rateLimitedLog(),
    });
    await expect(attempt).rejects.toThrow(/EADDRINUSE/);
    // The MQTT port it had bound is free again.
    const again = createServer();
    blockers.push(again);
    again.listen(free, '127.0.0.1');
    await once(again, 'listening');
  });
});
