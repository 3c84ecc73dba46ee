/**
 * The live feed: a socket.io connection (same origin, path /socket.io, authenticated by the
 * session cookie) typed with the shared event maps. socket.io reconnects on its own after a
 * network loss; the server sends a full `sites:snapshot` on every (re)connect, so nothing is
 * missed while away. A refusal by the server (expired session) does not retry by itself: the
 * caller is told and decides (re-check the session, show the login).
 */
import { io, type Socket } from 'socket.io-client';
import type { Alarm } from '../../shared/alarms.ts';
import type { SiteView } from '../../shared/site-state.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/socket-events.ts';

export type ConnState = 'connecting' | 'connected' | 'disconnected' | 'reconnecting';

export interface LiveHandlers {
  state(state: ConnState): void;
  snapshot(sites: SiteView[]): void;
  update(sites: SiteView[]): void;
  remove(ids: string[]): void;
  info(info: { store: 'influx' | 'memory'; policyId: string }): void;
  /** Open alarms the user may see, after every (re)connect. */
  alarmSnapshot(alarms: Alarm[]): void;
  /** Alarms that changed (a cleared one arrives with state `cleared`). */
  alarmUpdate(alarms: Alarm[]): void;
  /** The server refused or dropped the connection on purpose (e.g. the session ended). */
  refused(): void;
}

export interface LiveConnection {
  /** Asks for a fresh snapshot; resolves with the number of sites the server will send. */
  resync(): Promise<number>;
  /** Tries again after a refusal (once the session is known to be good). */
  reconnect(): void;
  close(): void;
}

/**
 * @example
 * const live = connectLive({ state: showState, snapshot: (s) => store.snapshot(s), ... });
 * // on logout
 * live.close();
 */
export function connectLive(handlers: LiveHandlers): LiveConnection {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({
    path: '/socket.io',
    withCredentials: true,
    // After a server restart every browser comes back within 5 s, spread by socket.io's jitter
    // (randomizationFactor 0.5) so thousands of them do not arrive at once.
    reconnectionDelay: 1000,
    reconnectionDelayMax: 5000,
  });

  handlers.state('connecting');
  socket.on('connect', () => handlers.state('connected'));
  socket.on('disconnect', (reason) => {
    handlers.state('disconnected');
    // https://socket.io/docs/v4/client-socket-instance/#disconnect: only a server-side
    // disconnect stops the automatic reconnection.
    if (reason === 'io server disconnect') handlers.refused();
  });
  socket.on('connect_error', () => {
    // socket.active is false when the server's middleware refused us (no retry will follow);
    // true for a transient failure that socket.io is already retrying.
    if (socket.active) handlers.state('reconnecting');
    else {
      handlers.state('disconnected');
      handlers.refused();
    }
  });
  socket.io.on('reconnect_attempt', () => handlers.state('reconnecting'));

  socket.on('sites:snapshot', (sites) => handlers.snapshot(sites));
  socket.on('sites:update', (sites) => handlers.update(sites));
  socket.on('sites:remove', (ids) => handlers.remove(ids));
  socket.on('server:info', (info) => handlers.info(info));
  socket.on('alarms:snapshot', (alarms) => handlers.alarmSnapshot(Array.isArray(alarms) ? alarms : []));
  socket.on('alarms:update', (alarms) => handlers.alarmUpdate(Array.isArray(alarms) ? alarms : []));

  return {
    resync: () =>
      new Promise<number>((resolve, reject) => {
        if (!socket.connected) {
          reject(new Error('not connected'));
          return;
        }
        socket
          .timeout(10_000)
          .emit('sites:resync', (err: Error | null, count: number) => (err ? reject(err) : resolve(count)));
      }),
    reconnect: () => {
      if (!socket.connected) {
        handlers.state('reconnecting');
        socket.connect();
      }
    },
    close: () => {
      socket.removeAllListeners();
      socket.io.removeAllListeners();
      socket.disconnect();
    },
  };
}
