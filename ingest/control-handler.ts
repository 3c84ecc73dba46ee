/**
 * Operators' requests to ingest (shared/alarms.ts): an `AlarmCommand` on
 * `topics.controlAlarm(siteId, type)` or a `CountCommand` on `topics.controlCounts(siteId)`.
 * Each is validated at this boundary, applied, and answered with a `ControlReply` on
 * `topics.controlReply(requestId)` (QoS 1, not retained) after its effect is stored and published.
 *
 * A request id seen again (the dashboard retrying after a lost reply) gets the first reply again
 * and is not applied twice. A request that cannot be parsed far enough to know its request id is
 * counted and logged, never answered; one with a request id gets `ok: false` and every problem.
 */
import { ALARM_TYPES, alarmCommandSchema, type ControlReply, countCommandSchema } from '../shared/alarms.ts';
import { type Logger, rateLimitedLog } from '../shared/log.ts';
import { type ParsedTopic, parseTopic } from '../shared/topics.ts';
import { safeParse } from '../shared/validation.ts';
import type { AlarmMonitor } from './alarms/alarm-monitor.ts';
import type { CountCorrections } from './count-corrections.ts';
import type { IngestMetrics } from './ingest-metrics.ts';

/** Same shape `parseTopic` accepts for `crowd/v1/control/replies/{requestId}`. */
const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Replies remembered for retried requests. */
const REMEMBERED_REPLIES = 1000;

type ControlTopic = Extract<ParsedTopic, { kind: 'control-alarm' | 'control-counts' }>;

export interface ControlHandlerDeps {
  monitor: AlarmMonitor;
  corrections: CountCorrections;
  reply: (reply: ControlReply) => void;
  log: Logger;
  metrics: IngestMetrics;
  now: () => number;
}

export function createControlHandler(deps: ControlHandlerDeps) {
  const { log, metrics } = deps;
  const replies = new Map<string, ControlReply>();
  const limitLog = rateLimitedLog();

  function answer(kind: string, reply: ControlReply): void {
    metrics.controlRequests.inc({ kind, outcome: reply.ok ? 'ok' : 'refused' });
    replies.set(reply.requestId, reply);
    if (replies.size > REMEMBERED_REPLIES) replies.delete(replies.keys().next().value!);
    deps.reply(reply);
  }

  function unanswerable(kind: string, topic: string, error: string): void {
    metrics.controlRequests.inc({ kind, outcome: 'invalid' });
    limitLog(`control|${kind}`, (suppressed) =>
      log.warn({ topic: topic.slice(0, 200), error, suppressed }, 'control request ignored'),
    );
  }

  /** The reply to a request whose id is known; applies the command when it is valid. */
  function decide(parsed: ControlTopic, json: unknown, requestId: string): ControlReply {
    if (parsed.kind === 'control-alarm') {
      const type = ALARM_TYPES.find((t) => t === parsed.type);
      if (!type) return { requestId, ok: false, error: `unknown alarm type '${parsed.type}'` };
      const cmd = safeParse(alarmCommandSchema, json);
      if (!cmd.ok) return { requestId, ok: false, error: cmd.error };
      const result = deps.monitor.command(parsed.siteId, type, cmd.value, deps.now());
      return result.ok
        ? { requestId, ok: true, alarm: result.alarm }
        : { requestId, ok: false, error: result.error };
    }
    const cmd = safeParse(countCommandSchema, json);
    if (!cmd.ok) return { requestId, ok: false, error: cmd.error };
    const result = deps.corrections.command(parsed.siteId, cmd.value, deps.now());
    return result.ok ? { requestId, ok: true } : { requestId, ok: false, error: result.error };
  }

  /** Handles one control message; never throws. */
  return function handle(topic: string, payload: Buffer): void {
    const parsed = parseTopic(topic);
    if (parsed?.kind !== 'control-alarm' && parsed?.kind !== 'control-counts') return;
    const kind = parsed.kind === 'control-alarm' ? 'alarm' : 'counts';
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      unanswerable(kind, topic, 'payload is not JSON');
      return;
    }
    const requestId = (json as { requestId?: unknown } | null)?.requestId;
    if (typeof requestId !== 'string' || !REQUEST_ID.test(requestId)) {
      unanswerable(kind, topic, 'requestId must be 1-64 characters of A-Z, a-z, 0-9, _ and -');
      return;
    }
    const earlier = replies.get(requestId);
    if (earlier) {
      deps.reply(earlier);
      return;
    }
    let reply: ControlReply;
    try {
      reply = decide(parsed, json, requestId);
    } catch (err) {
      log.error({ err, topic: topic.slice(0, 200) }, 'unexpected error handling a control request');
      reply = { requestId, ok: false, error: 'internal error in ingest' };
    }
    answer(kind, reply);
  };
}

export type ControlHandler = ReturnType<typeof createControlHandler>;
