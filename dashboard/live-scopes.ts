/**
 * Manager sockets grouped by the set of sites they see, so a tick sends each of them ONE
 * `sites:update` batch with every change of its sites. With one emit per site room, a manager of
 * six sites got six frames per tick: at 200 sockets and 20 ticks a second the dashboard spent
 * 45 % of its time in socket writes (`npm run bench` profile). Site rooms stay for alarms and
 * removals, which are rare.
 *
 * Rooms are plain socket.io rooms (`rooms.scope(key)`), so the Redis adapter carries them to
 * other nodes like any room; which scopes exist is tracked per node, as site rooms are.
 */
import { createHash } from 'node:crypto';
import { rooms } from '../shared/socket-events.ts';

/**
 * @example
 * const scopes = new LiveScopes();
 * socket.join(scopes.roomFor(['pasar-tos', 'mall-bcs'])); // 'scope:…'
 * scopes.batches(updatedViews); // Map(room -> the views of that room's sites)
 * scopes.forget(room);          // when socket.io deletes the room
 */
export class LiveScopes {
  private readonly sitesByRoom = new Map<string, ReadonlySet<string>>();
  private readonly roomsBySite = new Map<string, Set<string>>();

  /** The scope room of a site set (registered on first use); the same set gives the same room. */
  roomFor(siteIds: readonly string[]): string {
    const sorted = [...new Set(siteIds)].sort();
    const room = rooms.scope(createHash('sha256').update(sorted.join('\n')).digest('base64url').slice(0, 22));
    if (!this.sitesByRoom.has(room)) {
      this.sitesByRoom.set(room, new Set(sorted));
      for (const id of sorted) {
        const set = this.roomsBySite.get(id) ?? new Set<string>();
        set.add(room);
        this.roomsBySite.set(id, set);
      }
    }
    return room;
  }

  /** The views of each scope room's sites among `views`, in their order; rooms without any are left out. */
  batches<T extends { id: string }>(views: readonly T[]): Map<string, T[]> {
    const out = new Map<string, T[]>();
    for (const view of views)
      for (const room of this.roomsBySite.get(view.id) ?? []) {
        const batch = out.get(room);
        if (batch) batch.push(view);
        else out.set(room, [view]);
      }
    return out;
  }

  /** A room socket.io deleted (its last socket left); unknown rooms are ignored. */
  forget(room: string): void {
    const sites = this.sitesByRoom.get(room);
    if (!sites) return;
    this.sitesByRoom.delete(room);
    for (const id of sites) {
      const set = this.roomsBySite.get(id);
      set?.delete(room);
      if (set?.size === 0) this.roomsBySite.delete(id);
    }
  }

  /** Scope rooms known (for tests and metrics). */
  size(): number {
    return this.sitesByRoom.size;
  }
}
