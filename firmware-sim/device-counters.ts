/**
 * The counters of a simulated device (DeviceClient): its own, and the fleet-wide tally that many
 * devices of a load worker share so that the worker reports without walking 10,000 devices.
 */

export interface DeviceClientStats {
  connected: boolean;
  connects: number;
  /** Messages handed to the connection (data, duplicates and malformed ones). */
  published: number;
  /** QoS 1 messages the broker acknowledged (PUBACK). */
  acked: number;
  /** Data messages accepted by publish() (before faults). */
  accepted: number;
  /** QoS 0 messages dropped while offline. */
  dropped: number;
  /** Messages dropped because the offline buffer was full (oldest first). */
  bufferDropped: number;
  /** Messages waiting in the offline buffer now. */
  buffered: number;
  /** QoS 1 messages sent and not yet acknowledged now. */
  inflight: number;
  duplicates: number;
  malformed: number;
  reconnectAttempts: number;
  /** Connection errors and failed publishes. */
  errors: number;
  commands: number;
  rejectedCommands: number;
}

/** Fleet-wide sums of DeviceClientStats fields, plus QoS 1 data messages not yet settled. */
export interface DeviceTally {
  /** QoS 1 messages accepted and not yet acknowledged nor dropped from the buffer. */
  pending: number;
  acked: number;
  connected: number;
  published: number;
  dropped: number;
  bufferDropped: number;
  duplicates: number;
  malformed: number;
  errors: number;
  reconnectAttempts: number;
}

/** @example const tally = newDeviceTally(); new DeviceClient({ ...options, tally }); tally.acked */
export function newDeviceTally(): DeviceTally {
  return {
    pending: 0,
    acked: 0,
    connected: 0,
    published: 0,
    dropped: 0,
    bufferDropped: 0,
    duplicates: 0,
    malformed: 0,
    errors: 0,
    reconnectAttempts: 0,
  };
}
