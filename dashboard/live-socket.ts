/**
 * socket.io on the dashboard's HTTP server: authenticated handshakes, rooms by what a user may
 * see, and one `sites:update` / `alarms:update` batch per room per tick (DESIGN.md "Known traps";
 * socket.io scales out with @socket.io/redis-adapter because everything goes through rooms).
 * Scoping (issue 3): admins and operators join `rooms.all`, a manager only `rooms.site(id)` of
 * their sites. When a user changes, their sockets are re-scoped at once (new rooms, fresh
 * snapshots); a removed user or a changed password ends them.
 */
import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { Alarm } from '../shared/alarms.ts';
import type { Logger } from '../shared/log.ts';
import { type ClientToServerEvents, rooms, type ServerToClientEvents } from '../shared/socket-events.ts';
import type { AlarmCache } from './alarm-cache.ts';
import type { LiveState } from './live-state.ts';
import type { DashboardMetrics } from './metrics.ts';
import type { RegistryStore } from './registry-store.ts';
import { type Sessions, tokenFrom } from './sessions.ts';
import { canSee, type PublicUser, type UserStore } from './users.ts';

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
  alarms: AlarmCache;
  users: UserStore;
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
  const { sessions, live, alarms, users, registry, logger, metrics } = options;
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
    socket.emit('alarms:snapshot', alarms.list({ state: 'open', visible: visible(socket.data.user) }));
    return sites.length;
  };

  /** Leaves every scoped room and joins the ones `user` may see now. */
  const joinRooms = (socket: LiveSocket, user: PublicUser) => {
    for (const room of socket.rooms) if (room !== socket.id) socket.leave(room);
    if (user.role === 'manager') {
      for (const siteId of user.sites ?? []) if (registry.getSite(siteId)) socket.join(rooms.site(siteId));
    } else {
      socket.join(rooms.all);
    }
  };

  /** A user was changed or removed: re-scope (or end) that user's sockets on this node. */
  const onUserChange = (username: string, user: PublicUser | undefined, sessionsEnded: boolean) => {
    for (const socket of io.of('/').sockets.values()) {
      if (socket.data.user?.username !== username) continue;
      metrics.socketsRescoped.inc();
      if (!user || sessionsEnded) {
        socket.disconnect(true);
        continue;
      }
      socket.data.user = user;
      joinRooms(socket, user);
      snapshot(socket);
    }
  };
  users.on('change', onUserChange);

  const serverInfo = () => ({ store: options.storeKind, policyId: registry.policy().record.id });
  // Every open browser shows the policy in force, so a switch reaches them all at once.
  const onPolicy = () => io.emit('server:info', serverInfo());
  registry.on('policy', onPolicy);

  io.on('connection', (socket) => {
    const { user, expiresAt } = socket.data;
    metrics.sockets.inc();
    joinRooms(socket, user);
    // A session ends at its expiry for live sockets too, not only for HTTP requests.
    const expiry = setTimeout(() => socket.disconnect(true), Math.max(0, expiresAt - options.now()));
    expiryTimers.add(expiry);
    socket.emit('server:info', serverInfo());
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
    emitAlarms(alarms.drain());
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

  /** One `alarms:update` batch to `rooms.all` and one per site room with a listener here. */
  const emitAlarms = (changed: Alarm[]) => {
    if (!changed.length) return;
    io.to(rooms.all).emit('alarms:update', changed);
    metrics.socketBatches.inc({ event: 'alarms:update' });
    const bySite = new Map<string, Alarm[]>();
    for (const alarm of changed) bySite.set(alarm.siteId, [...(bySite.get(alarm.siteId) ?? []), alarm]);
    for (const [siteId, batch] of bySite) {
      if (!io.sockets.adapter.rooms.has(rooms.site(siteId))) continue;
      io.to(rooms.site(siteId)).emit('alarms:update', batch);
      metrics.socketBatches.inc({ event: 'alarms:update' });
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
      users.off('change', onUserChange);
      registry.off('policy', onPolicy);
      for (const timer of expiryTimers) clearTimeout(timer);
      expiryTimers.clear();
      return new Promise<void>((resolve) => {
        io.close(() => resolve());
      });
    },
  };
}

export type LiveSocketHub = ReturnType<typeof attachLiveSocket>;
