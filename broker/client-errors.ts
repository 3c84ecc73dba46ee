/**
 * Which client errors aedes reports are bad input, so they are counted like the refusals the
 * access policy decides (STYLE.md rule 3: count every rejection). aedes refuses some PUBLISH
 * topics itself before `authorizePublish` runs (empty, `+` or `#`, more than `maxTopicLevels`
 * levels), and its parser (mqtt-packet) refuses packets that are framed correctly but are no valid
 * MQTT 3.1.1 packet (QoS 3, bad flag bits, a topic longer than the packet, a second CONNECT).
 * Both close the connection and, before this, were only logged: the MQTT fuzz test
 * (test/fuzz/mqtt-fuzz.test.ts) sends each kind and found them uncounted. Socket errors and
 * timeouts are no bad input and stay uncounted.
 */

export type ClientErrorRejection =
  | { counter: 'publishDenied'; reason: 'invalid-topic' }
  | { counter: 'dropped'; reason: 'malformed-packet' };

/** aedes lib/handlers/publish.js, in aedes 1.2. */
const AEDES_TOPIC_REFUSALS = new Set([
  'empty topic not allowed in PUBLISH',
  '# is not allowed in PUBLISH',
  '+ is not allowed in PUBLISH',
  'topic has too many levels',
]);

/**
 * mqtt-packet's parser errors ("Invalid header flag bits…", "Cannot parse topic", "Packet must
 * not have both QoS bits set to 1", "Malformed Subscribe Payload"…) and aedes' "Invalid protocol"
 * (a CONNECT on a connected client). None carries an errno `code`, unlike socket errors.
 */
const PARSER_ERROR =
  /^(Invalid |Cannot parse |Malformed |Packet |Connect flag |Will |Not supported|Unknown property)/;

/**
 * @example classifyClientError(new Error('+ is not allowed in PUBLISH')) // { counter: 'publishDenied', reason: 'invalid-topic' }
 * @example classifyClientError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })) // undefined
 */
export function classifyClientError(err: Error): ClientErrorRejection | undefined {
  if ((err as NodeJS.ErrnoException).code !== undefined) return undefined;
  if (AEDES_TOPIC_REFUSALS.has(err.message)) return { counter: 'publishDenied', reason: 'invalid-topic' };
  if (PARSER_ERROR.test(err.message)) return { counter: 'dropped', reason: 'malformed-packet' };
  return undefined;
}
