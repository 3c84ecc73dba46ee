/** An Alarm for tests of the pure browser modules; override only what a test is about. */
import type { Alarm } from '../../shared/alarms.ts';

export function alarm(siteId: string, patch: Partial<Alarm> = {}): Alarm {
  const type = patch.type ?? 'capacity';
  const raisedAt = patch.raisedAt ?? Date.UTC(2025, 10, 28, 1, 0, 0);
  return {
    id: `${siteId}:${type}:${raisedAt}`,
    siteId,
    type,
    severity: 'warning',
    state: 'open',
    raisedAt,
    updatedAt: raisedAt,
    acknowledgedAt: null,
    acknowledgedBy: null,
    clearedAt: null,
    clearedBy: null,
    assignee: null,
    details: {},
    history: [{ at: raisedAt, action: 'raised', by: 'system', severity: patch.severity ?? 'warning' }],
    ...patch,
  };
}
