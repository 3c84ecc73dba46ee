/**
 * The alarm lifecycle (DOMAIN.md "Alarms"; issue "Alarms venue managers can trust", part 1): at
 * most one non-cleared alarm per (site, type), escalating and de-escalating in place, with
 * operators' acknowledge / clear / comment / assign. Pure: rules tell it the condition of a
 * (site, type) and the time; it returns the transition to publish and store, if any.
 *
 * Choices where the issue is silent:
 * - A condition that keeps its severity changes nothing (no transition, no publication), so a
 *   venue at 85% for an hour produces one `raised`, not one message per reading. `details` are
 *   the numbers at the last transition.
 * - Escalation of an acknowledged alarm puts it back to `open` (the acknowledgement was for the
 *   lesser severity; re-notification resumes until someone acknowledges the critical one). The
 *   earlier acknowledgement stays in the history. De-escalation keeps an acknowledgement.
 * - Clearing by hand while the condition is still present does not spam: the (site, type) is
 *   silenced at that severity until the condition is gone (then a new occurrence raises a new
 *   alarm) or escalates beyond it (then a new alarm is raised at once).
 * - Acknowledging an acknowledged alarm succeeds and changes nothing (two operators at once).
 * - Every action on a cleared alarm is refused ("already cleared"); an id that is not the current
 *   alarm of its (site, type) is "unknown".
 */
import {
  type Alarm,
  type AlarmCommand,
  type AlarmType,
  SEVERITY_RANK,
  type Severity,
  SYSTEM_ACTOR,
} from '../../shared/alarms.ts';
import {
  type AlarmChange,
  type AlarmDetails,
  raiseAlarm,
  transition,
  transitionTime,
} from './alarm-record.ts';

/** What a rule says about a (site, type): a severity with its numbers, or `null` when the condition is gone. */
export type Condition = { severity: Severity; details: AlarmDetails } | null;

export type CommandResult =
  | { ok: true; alarm: Alarm; change: AlarmChange | undefined }
  | { ok: false; error: string };

const key = (siteId: string, type: AlarmType) => `${siteId}\u0000${type}`;

export class AlarmEngine {
  /** The latest alarm of each (site, type), cleared ones included (they answer "already cleared"). */
  private readonly latest = new Map<string, Alarm>();
  /** Severity a condition had when its alarm was cleared by hand; silenced until it goes or escalates. */
  private readonly silenced = new Map<string, Severity>();
  /** The last condition a rule reported, so a manual clear knows whether it is still present. */
  private readonly present = new Map<string, Severity>();

  /**
   * Feeds the current condition of (site, type).
   *
   * @example
   * engine.setCondition('mpp-batam', 'capacity', { severity: 'warning', details: { load: 0.85 } }, now);
   * // { action: 'raised', by: 'system', alarm: { state: 'open', severity: 'warning', ... } }
   */
  setCondition(siteId: string, type: AlarmType, condition: Condition, now: number): AlarmChange | undefined {
    const k = key(siteId, type);
    const previous = this.latest.get(k);
    const open = previous && previous.state !== 'cleared' ? previous : undefined;
    if (!condition) {
      this.present.delete(k);
      this.silenced.delete(k);
      if (!open) return undefined;
      const at = transitionTime(open, now);
      return this.commit(
        transition(
          open,
          { at, action: 'cleared', by: SYSTEM_ACTOR },
          { state: 'cleared', clearedAt: at, clearedBy: SYSTEM_ACTOR },
        ),
        'cleared',
        SYSTEM_ACTOR,
      );
    }
    const { severity, details } = condition;
    this.present.set(k, severity);
    if (!open) {
      const silencedAt = this.silenced.get(k);
      if (silencedAt && SEVERITY_RANK[severity] <= SEVERITY_RANK[silencedAt]) return undefined;
      this.silenced.delete(k);
      return this.commit(
        raiseAlarm(siteId, type, severity, details, transitionTime(previous, now)),
        'raised',
        SYSTEM_ACTOR,
      );
    }
    if (open.severity === severity) return undefined;
    const at = transitionTime(open, now);
    const up = SEVERITY_RANK[severity] > SEVERITY_RANK[open.severity];
    const action = up ? 'escalated' : 'de-escalated';
    const reopen = up && open.state === 'acknowledged';
    return this.commit(
      transition(
        open,
        { at, action, by: SYSTEM_ACTOR, severity },
        {
          severity,
          details: { ...details },
          ...(reopen ? { state: 'open' as const, acknowledgedAt: null, acknowledgedBy: null } : {}),
        },
      ),
      action,
      SYSTEM_ACTOR,
    );
  }

  /** Whether the last condition a rule reported for (site, type) was a problem. */
  isPresent(siteId: string, type: AlarmType): boolean {
    return this.present.has(key(siteId, type));
  }

  /** Applies an operator's command to the current alarm of (site, type). */
  command(siteId: string, type: AlarmType, cmd: AlarmCommand, now: number): CommandResult {
    const k = key(siteId, type);
    const alarm = this.latest.get(k);
    if (!alarm || alarm.id !== cmd.alarmId) return { ok: false, error: `unknown alarm '${cmd.alarmId}'` };
    if (alarm.state === 'cleared') return { ok: false, error: `alarm '${cmd.alarmId}' is already cleared` };
    const at = transitionTime(alarm, now);
    const comment = 'comment' in cmd && cmd.comment !== undefined ? { comment: cmd.comment } : {};
    let change: AlarmChange | undefined;
    switch (cmd.action) {
      case 'acknowledge':
        if (alarm.state === 'acknowledged') return { ok: true, alarm, change: undefined };
        change = this.commit(
          transition(
            alarm,
            { at, action: 'acknowledged', by: cmd.by, ...comment },
            { state: 'acknowledged', acknowledgedAt: at, acknowledgedBy: cmd.by },
          ),
          'acknowledged',
          cmd.by,
        );
        break;
      case 'clear': {
        const stillPresent = this.present.get(k);
        if (stillPresent) this.silenced.set(k, maxSeverity(stillPresent, alarm.severity));
        change = this.commit(
          transition(
            alarm,
            { at, action: 'cleared', by: cmd.by, ...comment },
            { state: 'cleared', clearedAt: at, clearedBy: cmd.by },
          ),
          'cleared',
          cmd.by,
        );
        break;
      }
      case 'comment':
        change = this.commit(
          transition(alarm, { at, action: 'commented', by: cmd.by, comment: cmd.comment }),
          'commented',
          cmd.by,
        );
        break;
      case 'assign':
        change = this.commit(
          transition(
            alarm,
            { at, action: 'assigned', by: cmd.by, assignee: cmd.assignee },
            { assignee: cmd.assignee },
          ),
          'assigned',
          cmd.by,
        );
        break;
    }
    return { ok: true, alarm: change.alarm, change };
  }

  /**
   * Takes a stored alarm back after a restart; the newest record of a (site, type) wins. An
   * alarm cleared by hand silences its condition again, as before the restart.
   */
  restore(alarm: Alarm): boolean {
    const k = key(alarm.siteId, alarm.type);
    const known = this.latest.get(k);
    if (
      known &&
      (known.raisedAt > alarm.raisedAt ||
        (known.raisedAt === alarm.raisedAt && known.updatedAt >= alarm.updatedAt))
    )
      return false;
    this.latest.set(k, alarm);
    if (alarm.state === 'cleared' && alarm.clearedBy !== SYSTEM_ACTOR) {
      this.silenced.set(k, alarm.severity);
      this.present.set(k, alarm.severity);
    } else {
      this.silenced.delete(k);
      this.present.delete(k);
    }
    return true;
  }

  /** The latest alarm of (site, type), cleared or not. */
  get(siteId: string, type: AlarmType): Alarm | undefined {
    return this.latest.get(key(siteId, type));
  }

  /** Every alarm that is not cleared. */
  open(): Alarm[] {
    return [...this.latest.values()].filter((a) => a.state !== 'cleared');
  }

  /** Every latest alarm (open, acknowledged and the last cleared one of each (site, type)). */
  all(): Alarm[] {
    return [...this.latest.values()];
  }

  /** Clears the site's open alarms (site removed from the registry) and forgets the site. */
  forgetSite(siteId: string, now: number): AlarmChange[] {
    const changes: AlarmChange[] = [];
    for (const [k, alarm] of this.latest) {
      if (alarm.siteId !== siteId) continue;
      if (alarm.state !== 'cleared') {
        const at = transitionTime(alarm, now);
        changes.push({
          alarm: transition(
            alarm,
            { at, action: 'cleared', by: SYSTEM_ACTOR, comment: 'site removed from the registry' },
            { state: 'cleared', clearedAt: at, clearedBy: SYSTEM_ACTOR },
          ),
          action: 'cleared',
          by: SYSTEM_ACTOR,
        });
      }
      this.latest.delete(k);
      this.silenced.delete(k);
      this.present.delete(k);
    }
    return changes;
  }

  private commit(alarm: Alarm, action: AlarmChange['action'], by: string): AlarmChange {
    this.latest.set(key(alarm.siteId, alarm.type), alarm);
    return { alarm, action, by };
  }
}

function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b;
}
