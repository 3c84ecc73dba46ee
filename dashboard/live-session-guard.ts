/**
 * What keeps a live socket tied to a session that is still good (issue #6 item 5,
 * docs/security.md H13-H14):
 * - the handshake must come from our own origin: the session cookie is SameSite=Strict, but a
 *   sibling subdomain is "same site", and a WebSocket is not bound by CORS, so cross-site
 *   WebSocket hijacking is refused here with the same rule as state-changing HTTP requests
 *   (dashboard/csrf.ts);
 * - a socket outlives no session: every `LIVE_SESSION_CHECK_MS` the sessions of all open sockets
 *   are verified again, and a socket whose session was logged out (revoked), expired on the
 *   clock, or whose user is gone or changed password is disconnected. Checking by sweep rather
 *   than by a hook on logout also catches a revocation made by another dashboard replica sharing
 *   DATA_DIR, and an expiry on an injected clock; it replaces per-socket timers, which overflow
 *   past 24.8 days (Node's setTimeout limit) and SESSION_TTL_HOURS may be 30 days.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from '../shared/log.ts';
import { isSameOriginRequest } from './csrf.ts';
import { forwardedEntry } from './https.ts';
import type { DashboardMetrics } from './metrics.ts';
import type { Sessions } from './sessions.ts';

const header = (headers: IncomingHttpHeaders, name: string) => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * True unless a browser opened this handshake from another origin. A handshake carries the
 * session cookie like a state-changing request, so it is judged as one (method `POST`); scripts
 * and Node clients send neither `Origin` nor `Sec-Fetch-Site` and pass.
 *
 * @example isSameOriginHandshake({ host: 'dash.batam.go.id', origin: 'https://evil.example' }, 0) // false
 */
export function isSameOriginHandshake(headers: IncomingHttpHeaders, trustProxy: number): boolean {
  return isSameOriginRequest({
    method: 'POST',
    secFetchSite: header(headers, 'sec-fetch-site'),
    origin: header(headers, 'origin'),
    host: header(headers, 'host'),
    forwardedHost: forwardedEntry(header(headers, 'x-forwarded-host'), trustProxy),
  });
}

/** The part of a socket.io socket the sweep needs. */
export interface SessionBoundSocket {
  data: { token: string; expiresAt: number };
  disconnect(close: boolean): unknown;
}

export interface SessionSweepOptions {
  sessions: Pick<Sessions, 'verify'>;
  /** The sockets open on this node now. */
  sockets: () => Iterable<SessionBoundSocket>;
  now: () => number;
  intervalMs: number;
  metrics: Pick<DashboardMetrics, 'socketsEnded'>;
  logger: Logger;
}

/**
 * Starts re-verifying the sessions of open sockets every `intervalMs`.
 *
 * @example
 * const sweep = startSessionSweep({ sessions, sockets: () => io.of('/').sockets.values(),
 *   now: () => clock.now(), intervalMs: 5000, metrics, logger });
 * await sweep.run(); // one sweep now; resolves to the number of sockets ended
 * sweep.stop();
 */
export function startSessionSweep(options: SessionSweepOptions) {
  const { sessions, metrics, logger } = options;
  let running: Promise<number> | undefined;

  const sweep = async (): Promise<number> => {
    const now = options.now();
    const byToken = new Map<string, SessionBoundSocket[]>();
    let ended = 0;
    const end = (socket: SessionBoundSocket) => {
      socket.disconnect(true);
      // Read the clock again: it may have passed the expiry while a verification was awaited.
      metrics.socketsEnded.inc({
        reason: socket.data.expiresAt <= options.now() ? 'expired' : 'session-ended',
      });
      ended++;
    };
    for (const socket of options.sockets()) {
      if (socket.data.expiresAt <= now) end(socket);
      else byToken.set(socket.data.token, [...(byToken.get(socket.data.token) ?? []), socket]);
    }
    // One verification per session, one at a time: tabs of one browser share a cookie, and a
    // check costs 0.1-0.2 ms (hono/jwt, measured here), so thousands must not land on one turn.
    for (const [token, sockets] of byToken) {
      if (await sessions.verify(token)) continue;
      for (const socket of sockets) end(socket);
    }
    if (ended) logger.info({ ended }, 'live sockets of ended sessions disconnected');
    return ended;
  };

  /** A sweep that overlaps the one still running joins it instead of starting another. */
  const run = (): Promise<number> => {
    running ??= sweep()
      .catch((err: unknown) => {
        logger.error({ err }, 'live session sweep failed');
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const interval = setInterval(run, options.intervalMs);
  interval.unref();
  return {
    run,
    stop() {
      clearInterval(interval);
    },
  };
}
