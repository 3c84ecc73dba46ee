/**
 * Compliance reports (issue #7 item 4), scoped like every site route (`canSee`: a venue manager
 * gets only their own sites):
 * - `GET /api/reports/compliance?from=YYYY-MM-DD&to=YYYY-MM-DD[&site=id]` JSON
 *   (`&format=csv[&sheet=days|alarms|fever]` a CSV download, report-csv.ts);
 * - `GET /reports/compliance?...` the printable page (report-page.ts), with `/reports/report.css`.
 * - `DELETE /api/reports/cache` (admin) forgets every cached day summary (report-cache.ts), e.g.
 *   after history older than REPORT_CACHE_SETTLE_MS was restored or backfilled.
 * Dates are WIB days, both included, at most MAX_REPORT_DAYS. `from`/`to` default to today.
 */
import { type Context, Hono } from 'hono';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { effectiveAlarmSettings } from '../../shared/alarms.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/log.ts';
import type { HistoryStore } from '../../shared/store/history-store.ts';
import { formatIssues } from '../../shared/validation.ts';
import { type AppEnv, requireRole } from '../auth-routes.ts';
import { badRequest, HttpError, notFound, parseOr400, unavailable } from '../http-errors.ts';
import type { RegistryStore } from '../registry-store.ts';
import type { Sessions } from '../sessions.ts';
import { tokenFrom } from '../sessions.ts';
import { canSee, type PublicUser } from '../users.ts';
import { createReportCache, type ReportCacheOptions } from './report-cache.ts';
import { CSV_SHEETS, reportCsv } from './report-csv.ts';
import { type ComplianceReport, ReportTooLargeError } from './report-data.ts';
import { reportDays, wibDate } from './report-days.ts';
import { REPORT_CSS, reportPage } from './report-page.ts';

export const reportQuerySchema = z.object({
  from: z.string().max(10).optional(),
  to: z.string().max(10).optional(),
  site: z.string().max(64).optional(),
  format: z.enum(['json', 'csv']).default('json'),
  sheet: z.enum(CSV_SHEETS).default('days'),
});
type ReportQuery = z.infer<typeof reportQuerySchema>;

export interface ReportDeps {
  store: HistoryStore;
  registry: RegistryStore;
  sessions: Sessions;
  clock: Clock;
  logger: Logger;
  /** The dashboard's registry, for the cache's `jagajarak_report_*` metrics. */
  metrics?: Registry;
  /** Cache bounds and timing (dashboard config REPORT_CACHE_*); defaults in report-cache.ts. */
  cache?: Partial<ReportCacheOptions>;
}

/**
 * @example
 * const reports = reportRoutes({ store, registry, sessions, clock, logger });
 * app.route('/api', reports.api); // behind requireUser
 * app.route('/', reports.pages); // checks the session itself, redirects to the login otherwise
 */
export function reportRoutes(deps: ReportDeps) {
  const { store, registry, clock, logger } = deps;
  const cache = createReportCache({ store, metrics: deps.metrics ?? new Registry() }, deps.cache);

  const visibleSites = (user: PublicUser) => registry.listSites().filter((s) => canSee(user, s.id));

  /** The report for the query, or an HttpError (400 range, 404 site, 413 too dense, 503 store). */
  const compute = async (user: PublicUser, q: ReportQuery): Promise<ComplianceReport> => {
    const now = clock.now();
    const today = wibDate(now);
    const range = reportDays(q.from || today, q.to || q.from || today, now);
    if (!range.ok) throw badRequest(range.error);
    let sites = visibleSites(user);
    if (q.site) {
      sites = sites.filter((s) => s.id === q.site);
      if (!sites.length) throw notFound(`site '${q.site}' not found`);
    }
    const record = registry.alarmSettings();
    const withSettings = sites.map((site) => ({
      site,
      settings: effectiveAlarmSettings(record?.all, record?.kinds[site.kind], site.alarm),
    }));
    try {
      return await cache.report(withSettings, range.days, now);
    } catch (err) {
      if (err instanceof ReportTooLargeError) throw new HttpError(413, err.message);
      logger.warn({ err }, 'compliance report query failed');
      throw unavailable('the report is unavailable right now (history store); try again shortly');
    }
  };

  const api = new Hono<AppEnv>();
  api.get('/reports/compliance', async (c) => {
    const q = parseOr400(reportQuerySchema, c.req.query());
    const report = await compute(c.get('user'), q);
    if (q.format === 'json') return c.json(report);
    const name = `kepatuhan-${report.from}_${report.to}${q.site ? `-${q.site}` : ''}-${q.sheet}.csv`;
    return c.body(reportCsv(report, q.sheet), 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
      'Cache-Control': 'no-store',
    });
  });

  api.delete('/reports/cache', requireRole('admin'), (c) => {
    const cleared = cache.clear();
    logger.info({ by: c.get('user').username, cleared }, 'compliance report cache cleared');
    return c.json({ cleared });
  });

  const pages = new Hono<AppEnv>();
  pages.get('/reports/report.css', (c) =>
    c.body(REPORT_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'no-cache' }),
  );
  pages.get('/reports/compliance', async (c: Context<AppEnv>) => {
    const session = await deps.sessions.verify(
      tokenFrom({
        authorization: c.req.header('authorization') ?? null,
        cookie: c.req.header('cookie') ?? null,
      }),
    );
    // A browser without a session goes to the login (the SPA at /), not to a JSON error.
    if (!session) return c.redirect('/', 303);
    const user = session.user;
    const parsed = reportQuerySchema.safeParse(c.req.query());
    const today = wibDate(clock.now());
    const raw = c.req.query();
    const query = { from: raw.from || today, to: raw.to || raw.from || today, site: raw.site || undefined };
    const choices = visibleSites(user).map((s) => ({ id: s.id, name: s.name }));
    const page = (status: 200 | 400 | 404 | 413 | 503, report?: ComplianceReport, error?: string) =>
      c.html(reportPage({ report, choices, query, user: user.username, error }), status, {
        'Cache-Control': 'no-store',
      });
    if (!parsed.success) return page(400, undefined, formatIssues(parsed.error));
    try {
      return page(200, await compute(user, { ...parsed.data, ...query }));
    } catch (err) {
      if (err instanceof HttpError && [400, 404, 413, 503].includes(err.status))
        return page(err.status as 400 | 404 | 413 | 503, undefined, err.message);
      throw err;
    }
  });

  return { api, pages, cache };
}
