/**
 * Operator actions travel to ingest, which owns each alarm's lifecycle and the live counts
 * (issue 3 "Division of labour"): the dashboard publishes an AlarmCommand or CountCommand on a
 * control topic and waits for ingest's ControlReply on `topics.controlReply(requestId)`. The
 * replies filter is subscribed once at start (filters.controlReplies), not per request.
 */
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import {
  type AlarmCommand,
  type ControlReply,
  type CountCommand,
  controlReplySchema,
} from '../shared/alarms.ts';
import { type Logger, rateLimitedLog } from '../shared/log.ts';
import { topics } from '../shared/topics.ts';
import { safeParse } from '../shared/validation.ts';
import { unavailable } from './http-errors.ts';
import type { DashboardMetrics } from './metrics.ts';

/** Distributes a command's fields except requestId, which the client fills in. */
type WithoutRequestId<T> = T extends unknown ? Omit<T, 'requestId'> : never;

interface Pending {
  resolve: (reply: ControlReply | undefined) => void;
  timer: NodeJS.Timeout;
}

/**
 * @example
 * const control = new ControlClient({ timeoutMs: 5000, logger, metrics });
 * control.attach(mqttClient);
 * const reply = await control.alarm('pasar-tos-3000', 'capacity', { action: 'acknowledge', alarmId, by: 'ops' });
 */
export class ControlClient {
  private client: MqttClient | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly logRejection = rateLimitedLog();

  constructor(private readonly options: { timeoutMs: number; logger: Logger; metrics: DashboardMetrics }) {}

  attach(client: MqttClient): void {
    this.client = client;
  }

  /** Ends waiting requests (they answer 503) and forgets the client. */
  detach(): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.resolve(undefined);
    }
    this.pending.clear();
    this.client = undefined;
  }

  /** Feeds a message from `filters.controlReplies`; never throws. */
  handleReply(requestId: string, payload: Buffer): void {
    const pending = this.pending.get(requestId);
    if (!pending) return; // another dashboard replica's request, or one that already timed out
    let json: unknown;
    try {
      json = JSON.parse(payload.toString());
    } catch {
      this.reject('not-json', 'payload is not JSON');
      return;
    }
    const result = safeParse(controlReplySchema, json);
    if (!result.ok || result.value.requestId !== requestId) {
      this.reject('invalid', result.ok ? 'requestId does not match the topic' : result.error);
      return;
    }
    clearTimeout(pending.timer);
    this.pending.delete(requestId);
    pending.resolve(result.value);
  }

  /** @throws HttpError 503 when the broker is unreachable or ingest does not answer in time. */
  alarm(siteId: string, type: string, command: WithoutRequestId<AlarmCommand>): Promise<ControlReply> {
    return this.request(topics.controlAlarm(siteId, type), command);
  }

  /** @throws HttpError 503 as alarm(). */
  counts(siteId: string, command: WithoutRequestId<CountCommand>): Promise<ControlReply> {
    return this.request(topics.controlCounts(siteId), command);
  }

  private async request(topic: string, command: object): Promise<ControlReply> {
    const client = this.client;
    if (!client?.connected) throw unavailable('message broker unreachable; nothing was changed');
    const requestId = randomBytes(12).toString('base64url');
    const reply = new Promise<ControlReply | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        resolve(undefined);
      }, this.options.timeoutMs);
      this.pending.set(requestId, { resolve, timer });
    });
    // QoS 1, not retained: a command is an event, and a retained one would be re-applied by an
    // ingest that restarts.
    client.publish(topic, JSON.stringify({ ...command, requestId }), { qos: 1 }, (err) => {
      if (err) this.options.logger.warn({ topic, err: err.message }, 'control publish failed');
    });
    this.options.metrics.controlRequests.inc();
    const answer = await reply;
    if (!answer) {
      this.options.metrics.controlTimeouts.inc();
      throw unavailable('ingest did not answer in time; the action may or may not have been applied');
    }
    return answer;
  }

  private reject(reason: string, error: string): void {
    this.options.metrics.rejected.inc({ reason: `control-reply-${reason}` });
    this.logRejection(reason, (suppressed) =>
      this.options.logger.warn({ error, suppressed }, 'control reply rejected'),
    );
  }
}
