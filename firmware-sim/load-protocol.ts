/**
 * What the load-mode parent (load-generator.ts) and its worker processes (load-worker.ts) say to
 * each other over the IPC channel of `child_process.fork` (JSON serialised).
 */
import type { DeviceBehaviour, FleetFaults } from './device-behaviour.ts';

export interface WorkerInit {
  mqttUrl: string;
  seed: number;
  prefix: string;
  /** Device indexes `from <= i < to` belong to this worker. */
  from: number;
  to: number;
  /** New connections per second for this worker. */
  connectRate: number;
  /** First connections outstanding at most in this worker. */
  connectConcurrency: number;
  keepaliveS: number;
  /** Subscribe each device to its `cmd` topic (firmware does). */
  subscribeCmd: boolean;
  faults: FleetFaults;
  base: Pick<DeviceBehaviour, 'bufferSize' | 'inflightWindow'>;
  /** Publishing pauses while this many QoS 1 messages are unacknowledged in this worker. */
  maxPending: number;
}

export type ToWorker =
  | { type: 'init'; init: WorkerInit }
  /** Messages per second this worker publishes from now on (0 = idle, connections stay). */
  | { type: 'rate'; perSecond: number }
  | { type: 'stop' };

export interface WorkerStats {
  devices: number;
  connected: number;
  /** Data messages handed to devices (before faults). */
  accepted: number;
  /** QoS 1 messages acknowledged by the broker. */
  acked: number;
  /** Accepted, not yet acknowledged nor dropped. */
  pending: number;
  published: number;
  bufferDropped: number;
  dropped: number;
  duplicates: number;
  malformed: number;
  reboots: number;
  errors: number;
  reconnectAttempts: number;
  /** Ticks on which publishing paused because `maxPending` was reached. */
  paused: number;
  /** RSS of the worker process, bytes. */
  rss: number;
  /** CPU seconds (user + system) of the worker process. */
  cpuS: number;
}

export type FromWorker =
  | { type: 'stats'; stats: WorkerStats }
  | { type: 'stopped'; stats: WorkerStats }
  | { type: 'error'; message: string };
