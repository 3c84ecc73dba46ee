/**
 * socket.io event maps (the socket.io CRUD example's `common/events.ts`). Server and browser
 * both type their sockets with these: `Server<ClientToServer, ServerToClient>`.
 */
import type { Alarm } from './alarms.ts';
import type { SiteView } from './site-state.ts';

export interface ServerToClientEvents {
  /** Everything the user may see, sent once after connecting (and after each reconnect). */
  'sites:snapshot': (sites: SiteView[]) => void;
  /** Sites whose state changed since the last tick; one batch per room per tick. */
  'sites:update': (sites: SiteView[]) => void;
  /** Sites removed from the registry. */
  'sites:remove': (ids: string[]) => void;
  /** Open and acknowledged alarms the user may see, after connecting. */
  'alarms:snapshot': (alarms: Alarm[]) => void;
  /** Alarms that changed since the last tick (raised, escalated, acknowledged, cleared...), batched like sites. */
  'alarms:update': (alarms: Alarm[]) => void;
  /** Where history is kept, so the UI can say so. */
  'server:info': (info: { store: 'influx' | 'memory'; policyId: string }) => void;
}

export interface ClientToServerEvents {
  /** Ask for a fresh snapshot (e.g. after the tab was hidden). Acknowledged with the count. */
  'sites:resync': (ack: (count: number) => void) => void;
}

/** Room names; a socket joins only the rooms its user may see. */
export const rooms = {
  all: 'sites:all',
  site: (siteId: string) => `site:${siteId}`,
  /**
   * Sockets that see exactly the same sites (a manager's, by a hash of the sorted site ids): each
   * gets one `sites:update` batch per tick holding all of its sites' changes, instead of one per
   * site room (dashboard/live-scopes.ts).
   */
  scope: (key: string) => `scope:${key}`,
} as const;
