/**
 * socket.io on the dashboard's HTTP server: authenticated handshakes, rooms by what a user may
 * see, and one `sites:update` batch per room per tick (DESIGN.md "Known traps"; socket.io scales
 * out with @socket.io/redis-adapter because everything goes through rooms).
 */
import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { Logger } from '../shared/log.ts';
import { type ClientToServerEvents, rooms, type ServerToClientEvents } from '../shared/socket-events.ts';
import type { LiveState } from './live-state.ts';
import type { DashboardMetrics } from './metrics.ts';
import type { RegistryStore } from './registry-store.ts';
import { type Sessions, tokenFrom } from './sessions.ts';
import { canSee, type PublicUser } from './users.ts';

interface SocketData {
  user: PublicUser;
  expiresAt: number;
}

type LiveServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface LiveSocketOptions {
  tickMs: number;
  storeKind: 'influx' | 'memory';
  sessions: Sessions;
  live: LiveState;
  registry: RegistryStore;
  logger: Logger;
  metrics: DashboardMetrics;
  now: () => number;
}

/**
 * @example
 * const hub = attachLiveSocket(httpServer, options);
 * hub.tick(); // what the interval does every LIVE_TICK_MS
 * await hub.close();
 */
export function attachLiveSocket(httpServer: HttpServer, options: LiveSocketOptions) {
  const { sessions, live, registry, logger, metrics } = options;
  const io: LiveServer = new Server(httpServer, { path: '/socket.io', serveClient: false });
  const expiryTimers = new Set<NodeJS.Timeout>();

  io.use(async (socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const token =
      typeof auth?.token === 'string'
        ? auth.token
        : tokenFrom({ cookie: socket.handshake.headers.cookie ?? null });
    const session = await sessions.verify(token);
    if (!session) {
      metrics.socketsRefused.inc();
      next(new Error('unauthorized'));
      return;
    }
    socket.data.user = session.user;
    socket.data.expiresAt = session.expiresAt;
    next();
  });

  const visible = (user: PublicUser) => (siteId: string) => canSee(user, siteId);

  const snapshot = (socket: LiveSocket) => {
    const sites = live.views(visible(socket.data.user));
    socket.emit('sites:snapshot', sites);
    return sites.length;
  };

  io.on('connection', (socket) => {
    const { user, expiresAt } = socket.data;
    metrics.sockets.inc();
    if (user.role === 'manager') {
      for (const site of registry.listSites()) if (canSee(user, site.id)) socket.join(rooms.site(site.id));
    } else {
      socket.join(rooms.all);
    }
    // A session ends at its expiry for live sockets too, not only for HTTP requests.
    const expiry = setTimeout(() => socket.disconnect(true), Math.max(0, expiresAt - options.now()));
    expiryTimers.add(expiry);
    socket.emit('server:info', { store: options.storeKind, policyId: registry.policy().record.id });
    snapshot(socket);
    socket.on('sites:resync', (ack) => {
      const count = snapshot(socket);
      if (typeof ack === 'function') ack(count);
    });
    socket.on('disconnect', () => {
      clearTimeout(expiry);
      expiryTimers.delete(expiry);
      metrics.sockets.dec();
    });
    logger.debug({ user: user.username, sid: socket.id }, 'socket connected');
  });

  /** Sends what changed since the last tick: one batch to `rooms.all`, one per changed site room. */
  const tick = () => {
    const { updated, removed } = live.drain();
    if (updated.length) {
      io.to(rooms.all).emit('sites:update', updated);
      metrics.socketBatches.inc({ event: 'sites:update' });
      metrics.socketSites.inc(updated.length);
      for (const view of updated) {
        // Manager rooms: only emit where someone listens on this node (adapter rooms are local).
        if (io.sockets.adapter.rooms.has(rooms.site(view.id))) {
          io.to(rooms.site(view.id)).emit('sites:update', [view]);
          metrics.socketBatches.inc({ event: 'sites:update' });
        }
      }
    }
    if (removed.length) {
      io.to(rooms.all).to(removed.map(rooms.site)).emit('sites:remove', removed);
      metrics.socketBatches.inc({ event: 'sites:remove' });
    }
  };

  const interval = setInterval(() => {
    try {
      tick();
    } catch (err) {
      logger.error({ err }, 'live tick failed');
    }
  }, options.tickMs);

  return {
    io,
    tick,
    /** Ends every socket and closes the HTTP server socket.io is attached to. */
    close(): Promise<void> {
      clearInterval(interval);
      for (const timer of expiryTimers) clearTimeout(timer);
      expiryTimers.clear();
      return new Promise<void>((resolve) => {
        io.close(() => resolve());
      });
    },
  };
}

export type LiveSocketHub = ReturnType<typeof attachLiveSocket>;
