/**
 * The conformance smoke with outside clients: mosquitto_pub / mosquitto_sub (libmosquitto) logged
 * in as the conformance account, for retained messages, QoS 2 end to end and a last will.
 * Runs against the same target as mqtt311.test.ts (CONFORMANCE_MQTT_URL or the in-process broker).
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTarget, type Target } from './target.ts';

const run = promisify(execFile);
const P = `mosq-${randomBytes(4).toString('hex')}`;

let target: Target;
const children: ChildProcessWithoutNullStreams[] = [];

const login = () => [
  ...['-h', target.host, '-p', String(target.port), '-V', 'mqttv311'],
  ...(target.username ? ['-u', target.username, '-P', target.password] : []),
];

/** Starts mosquitto_sub with -d and resolves once it has its SUBACK; `lines` collects its output. */
async function subscriber(
  args: string[],
): Promise<{ child: ChildProcessWithoutNullStreams; lines: string[] }> {
  // stdbuf: mosquitto_sub's stdout is block-buffered when piped, so its debug lines would wait.
  const child = spawn('stdbuf', ['-oL', 'mosquitto_sub', ...login(), '-d', ...args]);
  children.push(child);
  const lines: string[] = [];
  let buffer = '';
  child.stdout.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`mosquitto_sub exited with ${code}: ${lines.join('\n')}`)));
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      lines.push(...parts);
      if (parts.some((l) => /received SUBACK/i.test(l))) resolve();
    });
  });
  child.removeAllListeners('exit');
  return { child, lines };
}

beforeAll(async () => {
  target = await startTarget();
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});
afterAll(async () => {
  await target.close();
});

describe('conformance smoke with mosquitto clients', () => {
  it('keeps a retained message for a later mosquitto_sub, with the retain flag, and clears it', async () => {
    const topic = `${P}/retained`;
    await run('mosquitto_pub', [...login(), '-q', '1', '-r', '-t', topic, '-m', 'kept']);
    const { stdout } = await run('mosquitto_sub', [
      ...login(),
      ...['-q', '1', '-t', topic, '-C', '1', '-W', '5', '-F', '%r %q %p'],
    ]);
    expect(stdout.trim()).toBe('1 1 kept');
    await run('mosquitto_pub', [...login(), '-q', '1', '-r', '-t', topic, '-n']);
    // With nothing retained, mosquitto_sub times out (-W) without a message.
    await expect(
      run('mosquitto_sub', [...login(), '-t', topic, '-C', '1', '-W', '1', '-F', '%p']),
    ).rejects.toMatchObject({ stdout: '' });
  });

  it('delivers a QoS 2 message from mosquitto_pub to mosquitto_sub exactly once at QoS 2', async () => {
    const topic = `${P}/qos2`;
    const { child, lines } = await subscriber(['-q', '2', '-t', topic, '-F', 'MSG %q %p']);
    await run('mosquitto_pub', [...login(), '-q', '2', '-t', topic, '-m', 'exactly once']);
    await run('mosquitto_pub', [...login(), '-q', '2', '-t', topic, '-m', 'end']);
    await expect
      .poll(() => lines.filter((l) => l.startsWith('MSG ')))
      .toEqual(['MSG 2 exactly once', 'MSG 2 end']);
    child.kill('SIGTERM');
  });

  it("publishes mosquitto_sub's last will when it dies without DISCONNECT", async () => {
    const willTopic = `${P}/will`;
    const watcher = await subscriber(['-q', '1', '-t', willTopic, '-F', 'WILL %p']);
    const dying = await subscriber([
      ...['--will-topic', willTopic, '--will-payload', 'gone', '--will-qos', '1'],
      ...['-k', '5', '-t', `${P}/nothing`],
    ]);
    dying.child.kill('SIGKILL');
    await expect.poll(() => watcher.lines.filter((l) => l.startsWith('WILL '))).toEqual(['WILL gone']);
  });
});
