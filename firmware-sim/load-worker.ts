/**
 * A load-mode worker process (forked by load-generator.ts): it owns devices `from..to`, each a
 * real MQTT connection (DeviceClient) with its load firmware (LoadFirmware), opens them at the
 * configured connection rate, publishes at the rate the parent asks for, and reports its counters
 * every 250 ms over IPC. Several workers keep the generator from being the bottleneck.
 *
 * Pacing: every 10 ms the worker sends what is due since the last rate change, round-robin over
 * its devices, so each device reports every devices/rate seconds. It never catches up on a debt
 * larger than 50 ms (a GC pause must not turn into a burst), and it pauses while `maxPending`
 * messages are unacknowledged: the generator is then closed-loop, and the rate it achieves is the
 * rate the system sustains.
 */
import { createLogger } from '../shared/log.ts';
import { behaviourFor } from './device-behaviour.ts';
import { DeviceClient } from './device-client.ts';
import { newDeviceTally } from './device-counters.ts';
import { LoadFirmware } from './load-firmware.ts';
import type { FromWorker, ToWorker, WorkerInit, WorkerStats } from './load-protocol.ts';
import { loadDeviceId, loadDeviceSecret } from './load-provision.ts';

const TICK_MS = 10;
const REPORT_MS = 250;

const send = (message: FromWorker) => process.send?.(message);
/** A worker is an entry of its own process: LOG_LEVEL=warn shows the devices' connection errors. */
const logger = createLogger('sim-load-worker', { level: process.env.LOG_LEVEL || 'silent', format: 'json' });

interface LoadDevice {
  client: DeviceClient;
  firmware: LoadFirmware;
}

function run(init: WorkerInit) {
  const tally = newDeviceTally();
  const devices: LoadDevice[] = [];
  for (let i = init.from; i < init.to; i++) {
    const id = loadDeviceId(init.prefix, i);
    const client = new DeviceClient({
      url: init.mqttUrl,
      deviceId: id,
      secret: loadDeviceSecret(init.seed, id),
      seed: init.seed,
      keepaliveS: init.keepaliveS,
      subscribeCmd: init.subscribeCmd,
      logger,
      behaviour: behaviourFor(init.seed, id, init.faults, init.base),
      tally,
    });
    devices.push({ client, firmware: new LoadFirmware(id, init.seed) });
  }

  let started = 0;
  let rate = 0;
  let rateSince = performance.now();
  let sentSince = 0;
  let accepted = 0;
  let reboots = 0;
  let paused = 0;
  let next = 0;
  let stopping = false;

  // Closed loop as well: at most `connectConcurrency` first connections outstanding, so a broker
  // slower than `connectRate` (each device login costs it a scrypt verification) is not buried
  // under connect timeouts and retries of logins it is still verifying.
  let connecting = 0;
  let credit = 0;
  const connectTimer = setInterval(() => {
    credit = Math.min(credit + (init.connectRate * TICK_MS) / 1000, init.connectConcurrency);
    while (credit >= 1 && connecting < init.connectConcurrency && started < devices.length) {
      credit--;
      connecting++;
      devices[started++]!.client.start().then(
        () => connecting--,
        () => connecting--,
      );
    }
    if (started >= devices.length) clearInterval(connectTimer);
  }, TICK_MS);

  const restartPacing = () => {
    rateSince = performance.now();
    sentSince = accepted;
  };

  const paceTimer = setInterval(() => {
    if (rate <= 0 || stopping || devices.length === 0) return;
    if (tally.pending >= init.maxPending) {
      paused++;
      restartPacing();
      return;
    }
    const now = performance.now();
    let due = Math.floor((rate * (now - rateSince)) / 1000) - (accepted - sentSince);
    const cap = Math.max(1, Math.ceil(rate / 20));
    if (due > cap) {
      restartPacing();
      due = cap;
    }
    const ts = Date.now();
    for (let k = 0; k < due; k++) {
      const { client, firmware } = devices[next]!;
      next = (next + 1) % devices.length;
      const before = firmware.reboots;
      client.publish(firmware.next(ts, client.faults));
      reboots += firmware.reboots - before;
      accepted++;
    }
  }, TICK_MS);

  // From the shared tally: walking every device's stats() four times a second cost this process
  // a sixth of its CPU at 5,000 devices (test/bench/generator-cost.ts).
  const stats = (): WorkerStats => {
    const cpu = process.cpuUsage();
    return {
      devices: devices.length,
      connected: tally.connected,
      accepted,
      acked: tally.acked,
      pending: tally.pending,
      published: tally.published,
      bufferDropped: tally.bufferDropped,
      dropped: tally.dropped,
      duplicates: tally.duplicates,
      malformed: tally.malformed,
      reboots,
      errors: tally.errors,
      reconnectAttempts: tally.reconnectAttempts,
      paused,
      rss: process.memoryUsage.rss(),
      cpuS: (cpu.user + cpu.system) / 1e6,
    };
  };

  const reportTimer = setInterval(() => send({ type: 'stats', stats: stats() }), REPORT_MS);

  return {
    setRate(perSecond: number) {
      rate = perSecond;
      restartPacing();
    },
    async stop() {
      stopping = true;
      clearInterval(connectTimer);
      clearInterval(paceTimer);
      clearInterval(reportTimer);
      // In slices: 10,000 simultaneous clean stops would each wait on a PUBACK at once.
      for (let i = 0; i < devices.length; i += 500)
        await Promise.all(devices.slice(i, i + 500).map((d) => d.client.stop()));
      return stats();
    },
  };
}

let worker: ReturnType<typeof run> | undefined;

process.on('message', (message: ToWorker) => {
  try {
    if (message.type === 'init') worker = run(message.init);
    else if (message.type === 'rate') worker?.setRate(message.perSecond);
    else if (message.type === 'stop') {
      const stopping = worker?.stop() ?? Promise.resolve(undefined);
      stopping.then(
        (stats) => {
          if (stats) send({ type: 'stopped', stats });
          process.disconnect?.();
        },
        (err: unknown) => {
          send({ type: 'error', message: String(err) });
          process.exit(1);
        },
      );
    }
  } catch (err) {
    send({ type: 'error', message: (err as Error).stack ?? String(err) });
  }
});

// The parent went away (killed, crashed): do not linger with thousands of sockets.
process.on('disconnect', () => {
  if (!worker) process.exit(0);
  setTimeout(() => process.exit(0), 5000).unref();
});
