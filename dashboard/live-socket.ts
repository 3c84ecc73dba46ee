/**
 * socket.io on the dashboard's HTTP server: authenticated handshakes, rooms by what a user may
 * see, and one `sites:update` / `alarms:update` batch per room per tick (DESIGN.md "Known traps";
 * socket.io scales out with @socket.io/redis-adapter because everything goes through rooms).
 * Scoping (issue 3): admins and operators join `rooms.all`, a manager only `rooms.site(id)` of
 * their sites and the scope room of that site set (dashboard/live-scopes.ts). When a user changes, their sockets are re-scoped at once (new rooms, fresh
 * snapshots); a removed user or a changed password ends them. Sessions (issue #6 item 5): a
 * cross-origin handshake is refused, and a socket whose session is logged out or expires is ended
 * by the session sweep (dashboard/live-session-guard.ts).
 *
 * Backpressure (issue #6 item 3, docs/queues.md): a browser that stops reading (a frozen tab, a
 * dead mobile link) would otherwise have every batch pile up in its engine.io `writeBuffer`. A
 * socket holding `maxPendingPackets` unsent packets gets no more batches (counted in
 * `jagajarak_live_batches_skipped_total`) and, since batches only carry what changed, a full
 * snapshot once it has drained. engine.io's ping timeout ends one that never reads again.
 */
import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { Alarm } from '../shared/alarms.ts';
import type { Logger } from '../shared/log.ts';
import { type ClientToServerEvents, rooms, type ServerToClientEvents } from '../shared/socket-events.ts';
import type { AlarmCache } from './alarm-cache.ts';
import { CROSS_SITE_ERROR } from './csrf.ts';
import { LiveScopes } from './live-scopes.ts';
import { isSameOriginHandshake, startSessionSweep } from './live-session-guard.ts';
import type { LiveState } from './live-state.ts';
import type { DashboardMetrics } from './metrics.ts';
import type { RegistryStore } from './registry-store.ts';
import { type Sessions, tokenFrom } from './sessions.ts';
import { canSee, type PublicUser, type UserStore } from './users.ts';

interface SocketData {
  user: PublicUser;
  expiresAt: number;
  /** Kept to re-verify the session (dashboard/live-session-guard.ts); never logged. */
  token: string;
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
  /** Unsent engine.io packets at which a socket is skipped until it drains (default 8). */
  maxPendingPackets?: number;
  /** How often open sockets' sessions are verified again (LIVE_SESSION_CHECK_MS, default 5000). */
  sessionCheckMs?: number;
  /** Proxies in front whose X-Forwarded-Host the Origin check believes (TRUST_PROXY, default 0). */
  trustProxy?: number;
}

/** What engine.io (6.x) keeps per connection and hides from its types. */
interface EngineConnection {
  writeBuffer?: Array<{ data?: unknown }>;
  transport?: { socket?: { bufferedAmount?: number } };
}

const engineOf = (socket: LiveSocket) => socket.conn as unknown as EngineConnection;

/** Packets engine.io has not yet handed to the transport for this socket. */
export const pendingPackets = (socket: Socket) =>
  (socket.conn as unknown as EngineConnection).writeBuffer?.length ?? 0;

/** Bytes held for this socket: unsent engine.io packets plus the WebSocket's send queue. */
function bufferedBytes(socket: LiveSocket): number {
  const engine = engineOf(socket);
  let bytes = engine.transport?.socket?.bufferedAmount ?? 0;
  for (const packet of engine.writeBuffer ?? [])
    bytes += typeof packet.data === 'string' ? packet.data.length : ((packet.data as Buffer)?.length ?? 0);
  return bytes;
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
  const maxPendingPackets = options.maxPendingPackets ?? 8;
  const scopes = new LiveScopes();
  io.of('/').adapter.on('delete-room', (room: string) => scopes.forget(room));
  /** Sockets that missed a batch: they get a snapshot once drained. */
  const behind = new Set<string>();

  io.use(async (socket, next) => {
    if (!isSameOriginHandshake(socket.handshake.headers, options.trustProxy ?? 0)) {
      metrics.socketsRefused.inc();
      metrics.csrfRefused.inc();
      next(new Error(CROSS_SITE_ERROR));
      return;
    }
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const token =
      typeof auth?.token === 'string'
        ? auth.token
        : tokenFrom({ cookie: socket.handshake.headers.cookie ?? null });
    const session = token ? await sessions.verify(token) : undefined;
    if (!session || !token) {
      metrics.socketsRefused.inc();
      next(new Error('unauthorized'));
      return;
    }
    socket.data.user = session.user;
    socket.data.expiresAt = session.expiresAt;
    socket.data.token = token;
    next();
  });

  const visible = (user: PublicUser) => (siteId: string) => canSee(user, siteId);

  const snapshot = (socket: LiveSocket) => {
    const sites = live.views(visible(socket.data.user));
    socket.emit('sites:snapshot', sites);
    socket.emit('alarms:snapshot', alarms.list({ state: 'open', visible: visible(socket.data.user) }));
    return sites.length;
  };

  /**
   * Leaves every scoped room and joins the ones `user` may see now: a manager its site rooms
   * (alarms, removals) and the scope room of its site set (one site batch per tick).
   */
  const joinRooms = (socket: LiveSocket, user: PublicUser) => {
    for (const room of socket.rooms) if (room !== socket.id) socket.leave(room);
    if (user.role === 'manager') {
      for (const siteId of user.sites ?? []) if (registry.getSite(siteId)) socket.join(rooms.site(siteId));
      socket.join(scopes.roomFor(user.sites ?? []));
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
    const { user } = socket.data;
    metrics.sockets.inc();
    joinRooms(socket, user);
    socket.emit('server:info', serverInfo());
    snapshot(socket);
    socket.on('sites:resync', (ack) => {
      // A backed-up socket asking again gets its snapshot once drained, not another now.
      if (pendingPackets(socket) >= maxPendingPackets) {
        behind.add(socket.id);
        return;
      }
      const count = snapshot(socket);
      if (typeof ack === 'function') ack(count);
    });
    socket.on('disconnect', () => {
      behind.delete(socket.id);
      metrics.sockets.dec();
    });
    logger.debug({ user: user.username, sid: socket.id }, 'socket connected');
  });

  /**
   * The sockets this tick's batches skip: those backed up (marked behind), and those that just
   * caught up, which get a snapshot instead (it already holds this tick's changes).
   */
  const holdBack = (changes: boolean): string[] => {
    const skip: string[] = [];
    let buffered = 0;
    for (const socket of io.of('/').sockets.values()) {
      buffered += bufferedBytes(socket);
      if (pendingPackets(socket) >= maxPendingPackets) {
        if (changes) {
          behind.add(socket.id);
          metrics.liveBatchesSkipped.inc();
        }
        skip.push(socket.id);
      } else if (behind.delete(socket.id)) {
        snapshot(socket);
        skip.push(socket.id);
      }
    }
    metrics.liveBufferedBytes.set(buffered);
    return skip;
  };

  /** Sends what changed since the last tick: one batch to `rooms.all`, one per changed site room. */
  const tick = () => {
    const { updated, removed } = live.drain();
    const changed = alarms.drain();
    const skip = holdBack(updated.length + removed.length + changed.length > 0);
    emitAlarms(changed, skip);
    if (updated.length) {
      io.to(rooms.all).except(skip).emit('sites:update', updated);
      metrics.socketBatches.inc({ event: 'sites:update' });
      metrics.socketSites.inc(updated.length);
      // One batch per manager scope with a socket on this node (adapter rooms are local).
      for (const [room, batch] of scopes.batches(updated)) {
        if (!io.sockets.adapter.rooms.has(room)) continue;
        io.to(room).except(skip).emit('sites:update', batch);
        metrics.socketBatches.inc({ event: 'sites:update' });
      }
    }
    if (removed.length) {
      io.to(rooms.all).to(removed.map(rooms.site)).except(skip).emit('sites:remove', removed);
      metrics.socketBatches.inc({ event: 'sites:remove' });
    }
  };

  /** One `alarms:update` batch to `rooms.all` and one per site room with a listener here. */
  const emitAlarms = (changed: Alarm[], skip: string[]) => {
    if (!changed.length) return;
    io.to(rooms.all).except(skip).emit('alarms:update', changed);
    metrics.socketBatches.inc({ event: 'alarms:update' });
    const bySite = new Map<string, Alarm[]>();
    for (const alarm of changed) bySite.set(alarm.siteId, [...(bySite.get(alarm.siteId) ?? []), alarm]);
    for (const [siteId, batch] of bySite) {
      if (!io.sockets.adapter.rooms.has(rooms.site(siteId))) continue;
      io.to(rooms.site(siteId)).except(skip).emit('alarms:update', batch);
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

  // Logout, expiry, a removed user or a new password end this node's sockets of that session.
  const sessionSweep = startSessionSweep({
    sessions,
    sockets: () => io.of('/').sockets.values(),
    now: options.now,
    intervalMs: options.sessionCheckMs ?? 5000,
    metrics,
    logger,
  });

  return {
    io,
    tick,
    /** One session sweep now; resolves to the number of sockets it ended. */
    checkSessions: sessionSweep.run,
    /** Ends every socket and closes the HTTP server socket.io is attached to. */
    close(): Promise<void> {
      clearInterval(interval);
      users.off('change', onUserChange);
      registry.off('policy', onPolicy);
      sessionSweep.stop();
      return new Promise<void>((resolve) => {
        io.close(() => resolve());
      });
    },
  };
}

export type LiveSocketHub = ReturnType<typeof attachLiveSocket>;
