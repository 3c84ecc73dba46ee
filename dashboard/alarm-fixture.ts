/**
 * Test helpers for alarms: alarm records and a small stand-in for ingest on the real broker. It
 * speaks the contract of shared/alarms.ts as a real MQTT peer: publishes alarms retained on
 * `topics.siteAlarm`, takes AlarmCommands and CountCommands from the control topics, applies
 * them and answers on `topics.controlReply`. Not a test file itself.
 */
import mqtt, { type MqttClient } from 'mqtt';
import {
  type Alarm,
  type AlarmCommand,
  type AlarmType,
  alarmCommandSchema,
  alarmId,
  type ControlReply,
  type CountCommand,
  countCommandSchema,
  type Severity,
} from '../shared/alarms.ts';
import { filters, parseTopic, topics } from '../shared/topics.ts';

export const T0 = Date.UTC(2026, 10, 28, 1, 15, 0); // 08.15 WIB

export function makeAlarm(
  siteId: string,
  type: AlarmType = 'capacity',
  options: { severity?: Severity; raisedAt?: number; details?: Alarm['details'] } = {},
): Alarm {
  const raisedAt = options.raisedAt ?? T0;
  const severity = options.severity ?? 'warning';
  return {
    id: alarmId(siteId, type, raisedAt),
    siteId,
    type,
    severity,
    state: 'open',
    raisedAt,
    updatedAt: raisedAt,
    acknowledgedAt: null,
    acknowledgedBy: null,
    clearedAt: null,
    clearedBy: null,
    assignee: null,
    details: options.details ?? { occupancy: 170, safeCapacity: 200, load: 0.85 },
    history: [{ at: raisedAt, action: 'raised', by: 'system', severity }],
  };
}

export interface FakeIngest {
  client: MqttClient;
  alarmCommands: AlarmCommand[];
  countCommands: CountCommand[];
  /** When false, commands are recorded but never answered (the dashboard must time out). */
  answering: boolean;
  /** Publishes (retained) and remembers the alarm as the current one of its (site, type). */
  publish(alarm: Alarm): Promise<void>;
  /** Applies a change to the current alarm of (site, type) and publishes it. */
  update(alarm: Alarm, change: Partial<Alarm>): Promise<Alarm>;
  close(): Promise<void>;
}

export async function startFakeIngest(brokerUrl: string): Promise<FakeIngest> {
  const client = await mqtt.connectAsync(brokerUrl, {
    clientId: `fake-ingest-${Math.random().toString(16).slice(2)}`,
  });
  const current = new Map<string, Alarm>();
  const reply = (r: ControlReply) =>
    client.publishAsync(topics.controlReply(r.requestId), JSON.stringify(r), { qos: 1 });

  const fake: FakeIngest = {
    client,
    alarmCommands: [],
    countCommands: [],
    answering: true,
    async publish(alarm) {
      current.set(alarm.id, alarm);
      await client.publishAsync(topics.siteAlarm(alarm.siteId, alarm.type), JSON.stringify(alarm), {
        qos: 1,
        retain: true,
      });
    },
    async update(alarm, change) {
      const next = { ...(current.get(alarm.id) ?? alarm), ...change };
      await fake.publish(next);
      return next;
    },
    close: () => client.endAsync(),
  };

  const apply = async (command: AlarmCommand): Promise<ControlReply> => {
    const alarm = current.get(command.alarmId);
    const { requestId } = command;
    if (!alarm) return { requestId, ok: false, error: `alarm '${command.alarmId}' not found` };
    const at = alarm.updatedAt + 1000;
    let next: Alarm;
    if (command.action === 'acknowledge') {
      if (alarm.state !== 'open') return { requestId, ok: false, error: `alarm is ${alarm.state}` };
      next = { ...alarm, state: 'acknowledged', acknowledgedAt: at, acknowledgedBy: command.by };
    } else if (command.action === 'clear') {
      if (alarm.state === 'cleared') return { requestId, ok: false, error: 'alarm is cleared' };
      next = { ...alarm, state: 'cleared', clearedAt: at, clearedBy: command.by };
    } else if (command.action === 'assign') {
      next = { ...alarm, assignee: command.assignee };
    } else {
      next = { ...alarm };
    }
    const action = (
      { acknowledge: 'acknowledged', clear: 'cleared', comment: 'commented', assign: 'assigned' } as const
    )[command.action];
    next = {
      ...next,
      updatedAt: at,
      history: [
        ...alarm.history,
        {
          at,
          action,
          by: command.by,
          ...('comment' in command && command.comment ? { comment: command.comment } : {}),
          ...(command.action === 'assign' ? { assignee: command.assignee } : {}),
        },
      ],
    };
    await fake.publish(next);
    return { requestId, ok: true, alarm: next };
  };

  client.on('message', (topic, payload) => {
    const parsed = parseTopic(topic);
    const json = JSON.parse(payload.toString());
    if (parsed?.kind === 'control-alarm') {
      const command = alarmCommandSchema.parse(json);
      fake.alarmCommands.push(command);
      if (fake.answering) void apply(command).then(reply);
    } else if (parsed?.kind === 'control-counts') {
      const command = countCommandSchema.parse(json);
      fake.countCommands.push(command);
      if (fake.answering) void reply({ requestId: command.requestId, ok: true });
    }
  });
  await client.subscribeAsync([filters.control, filters.controlCounts], { qos: 1 });
  return fake;
}
