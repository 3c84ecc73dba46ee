/**
 * Alarms over HTTP (DESIGN.md "Operator API": `GET /api/alarms?state=open`, `POST
 * /api/alarms/:id/ack`, extended by issue 3). Reads come from the AlarmCache (ingest's retained
 * alarms) and, for past occurrences, the store's `alarm_event` points; actions become
 * AlarmCommands that ingest applies and answers (control-client.ts). Every route is scoped by
 * `canSee`: an alarm of a site the user may not see answers 404, like a missing one.
 * Alarm ids contain ':' (`${siteId}:${type}:${raisedAt}`); clients send them URL-encoded.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import {
  type Alarm,
  type AlarmCommand,
  alarmSchema,
  alarmTypeSchema,
  severitySchema,
} from '../shared/alarms.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/log.ts';
import type { HistoryStore } from '../shared/store/history-store.ts';
import { ALARM_STATE_FILTERS, type AlarmCache, parseAlarmId } from './alarm-cache.ts';
import type { AppEnv } from './auth-routes.ts';
import type { ControlClient } from './control-client.ts';
import { historyQuerySchema } from './history-params.ts';
import { HttpError, notFound, parseOr400, readJson, unavailable } from './http-errors.ts';
import type { RegistryStore } from './registry-store.ts';
import { canSee } from './users.ts';

const alarmsQuerySchema = z.object({
  state: z.enum(ALARM_STATE_FILTERS).optional(),
  siteId: z.string().optional(),
  type: alarmTypeSchema.optional(),
  severity: severitySchema.optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});

const commentSchema = z.object({ comment: z.string().trim().min(1).max(1000).optional() }).strict();
const requiredCommentSchema = z.object({ comment: z.string().trim().min(1).max(1000) }).strict();
const assignSchema = z.object({ assignee: z.string().trim().min(1).max(64).nullable() }).strict();

const eventsQuerySchema = z.object({
  from: historyQuerySchema.shape.from,
  to: historyQuerySchema.shape.to,
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});

/** Past-event reads default to the last week. */
const DEFAULT_EVENTS_RANGE_MS = 7 * 86_400_000;

/**
 * A failed reply becomes 404 when ingest does not know the alarm (or it is no longer the current
 * one), 409 otherwise (e.g. acknowledging a cleared alarm). Ingest's error texts starting with or
 * containing "not found" / "unknown" / "no longer current" are the 404s.
 */
export function replyStatus(error: string | undefined): 404 | 409 {
  return /not found|unknown|no longer current|not current/i.test(error ?? '') ? 404 : 409;
}

/** @example app.route('/api', alarmRoutes({ alarms, control, registry, store, clock, logger })); */
export function alarmRoutes(deps: {
  alarms: AlarmCache;
  control: ControlClient;
  registry: RegistryStore;
  store: HistoryStore;
  clock: Clock;
  logger: Logger;
}) {
  const { alarms, control, store, clock, logger } = deps;
  const app = new Hono<AppEnv>();

  /** The current alarm with this id, if the user may see its site; 404 otherwise. */
  const visibleAlarm = (user: AppEnv['Variables']['user'], id: string): Alarm => {
    const parsed = parseAlarmId(id);
    const alarm = parsed && canSee(user, parsed.siteId) ? alarms.get(id) : undefined;
    if (!alarm) throw notFound(`alarm '${id}' not found`);
    return alarm;
  };

  /** An earlier occurrence, from the alarm_event points (latest version of it). */
  const storedAlarm = async (id: string): Promise<Alarm | undefined> => {
    const parsed = parseAlarmId(id);
    if (!parsed) return undefined;
    let points: Awaited<ReturnType<HistoryStore['points']>>;
    try {
      points = await store.points({
        measurement: 'alarm_event',
        tags: { site: parsed.siteId, type: parsed.type },
        fromMs: parsed.raisedAt,
        toMs: clock.now() + 1,
        limit: 10_000,
      });
    } catch (err) {
      logger.warn({ err, alarm: id }, 'alarm event query failed');
      throw unavailable('alarm history is unavailable right now; try again shortly');
    }
    for (const point of points.reverse()) {
      if (point.fields.alarmId !== id || typeof point.fields.alarm !== 'string') continue;
      try {
        const result = alarmSchema.safeParse(JSON.parse(point.fields.alarm));
        if (result.success) return result.data;
      } catch {
        // a damaged point: look at the one before
      }
    }
    return undefined;
  };

  app.get('/alarms', (c) => {
    const query = parseOr400(alarmsQuerySchema, c.req.query());
    const user = c.get('user');
    const list = alarms.list({
      state: query.state,
      siteId: query.siteId,
      type: query.type,
      severity: query.severity,
      visible: (siteId) => canSee(user, siteId),
    });
    return c.json(query.limit ? list.slice(0, query.limit) : list);
  });

  app.get('/alarms/:id', async (c) => {
    const id = c.req.param('id');
    const parsed = parseAlarmId(id);
    if (!parsed || !canSee(c.get('user'), parsed.siteId)) throw notFound(`alarm '${id}' not found`);
    const alarm = alarms.get(id) ?? (await storedAlarm(id));
    if (!alarm) throw notFound(`alarm '${id}' not found`);
    return c.json(alarm);
  });

  /** Sends the command for the visible current alarm `id` and answers with the alarm after it. */
  const act = async (
    user: AppEnv['Variables']['user'],
    id: string,
    command: (alarm: Alarm) => Omit<AlarmCommand, 'requestId'>,
  ): Promise<Alarm> => {
    const alarm = visibleAlarm(user, id);
    const reply = await control.alarm(alarm.siteId, alarm.type, command(alarm) as never);
    if (!reply.ok) throw new HttpError(replyStatus(reply.error), reply.error ?? 'ingest refused the action');
    if (reply.alarm) alarms.put(reply.alarm);
    return reply.alarm ?? alarms.get(id) ?? alarm;
  };

  app.post('/alarms/:id/ack', async (c) => {
    const { comment } = await readJson(c, commentSchema);
    const by = c.get('user').username;
    const alarm = await act(c.get('user'), c.req.param('id'), (a) => ({
      action: 'acknowledge',
      alarmId: a.id,
      by,
      ...(comment ? { comment } : {}),
    }));
    return c.json(alarm);
  });

  app.post('/alarms/:id/clear', async (c) => {
    const { comment } = await readJson(c, commentSchema);
    const by = c.get('user').username;
    const alarm = await act(c.get('user'), c.req.param('id'), (a) => ({
      action: 'clear',
      alarmId: a.id,
      by,
      ...(comment ? { comment } : {}),
    }));
    return c.json(alarm);
  });

  app.post('/alarms/:id/comment', async (c) => {
    const { comment } = await readJson(c, requiredCommentSchema);
    const by = c.get('user').username;
    return c.json(
      await act(c.get('user'), c.req.param('id'), (a) => ({ action: 'comment', alarmId: a.id, by, comment })),
    );
  });

  app.post('/alarms/:id/assign', async (c) => {
    const { assignee } = await readJson(c, assignSchema);
    const by = c.get('user').username;
    return c.json(
      await act(c.get('user'), c.req.param('id'), (a) => ({ action: 'assign', alarmId: a.id, by, assignee })),
    );
  });

  /** Every recorded transition of the site's alarms (the store's alarm_event points), oldest first. */
  app.get('/sites/:id/alarm-events', async (c) => {
    const siteId = c.req.param('id');
    if (!deps.registry.getSite(siteId) || !canSee(c.get('user'), siteId))
      throw notFound(`site '${siteId}' not found`);
    const query = parseOr400(eventsQuerySchema, c.req.query());
    const toMs = query.to ?? clock.now() + 1;
    const fromMs = query.from ?? toMs - DEFAULT_EVENTS_RANGE_MS;
    let points: Awaited<ReturnType<HistoryStore['points']>>;
    try {
      points = await store.points({
        measurement: 'alarm_event',
        tags: { site: siteId },
        fromMs,
        toMs,
        limit: query.limit ?? 1000,
      });
    } catch (err) {
      logger.warn({ err, site: siteId }, 'alarm event query failed');
      throw unavailable('alarm history is unavailable right now; try again shortly');
    }
    return c.json(
      points.map((p) => ({
        at: new Date(p.ts).toISOString(),
        type: p.tags.type ?? null,
        action: p.tags.action ?? null,
        alarmId: p.fields.alarmId ?? null,
        severity: p.fields.severity ?? null,
        state: p.fields.state ?? null,
        by: p.fields.by ?? null,
      })),
    );
  });

  return app;
}
