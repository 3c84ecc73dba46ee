/**
 * What mqtt-packet's Parser (aedes' per client, mqtt.js' per connection) keeps for the life of a
 * connection, trimmed. At 10,000 device connections each item below is megabytes of the
 * broker's heap (heap snapshots, sessions 4 and 6):
 *
 * - Unparsed bytes live in a `bl` BufferListStream: a whole duplex stream (readable and writable
 *   state, listeners) per connection, of which the parser only uses the list methods (append,
 *   consume, readUInt8, slice). `bl`'s plain BufferList has the same methods without the stream
 *   (about 9 MiB).
 * - After CONNECT the parser keeps the whole CONNECT packet as its `settings`, although it only
 *   reads `protocolVersion` and `bridgeMode` from it; the packet holds the password. Its will
 *   payload and password are views into the socket chunk the CONNECT arrived in, and the will
 *   stays referenced by the client (and by the persistence) for the whole connection, so that
 *   chunk, password bytes included, stayed in memory too (about 4 MiB). Now the parser keeps only
 *   the two settings and the will payload is a copy of its own.
 *
 * This patches mqtt-packet's Parser prototype for the whole process, so every parser made after
 * it gets both. lean-parsers.test.ts checks that aedes and mqtt resolve to the mqtt-packet patched
 * here.
 */
import { BufferList } from 'bl';
import Parser from 'mqtt-packet/parser.js';

let installed = false;

/**
 * Idempotent; call before connections are accepted (create-broker.ts does).
 *
 * @example
 * useLeanParsers();
 * aedes.handle(socket); // its parser buffers in a BufferList and forgets the CONNECT packet
 */
export function useLeanParsers(): void {
  if (installed) return;
  installed = true;
  const reset = Parser.prototype._resetState;
  // _resetState runs when a parser is made and after a parse error; it sets `_list`.
  Parser.prototype._resetState = function resetWithPlainList(this: Parser) {
    reset.call(this);
    this._list = new BufferList();
  };
  const parseConnect = Parser.prototype._parseConnect;
  // Returns the packet, or undefined after emitting a parse error; `settings` is the packet then.
  Parser.prototype._parseConnect = function parseConnectKeepingSettingsOnly(this: Parser) {
    const packet = parseConnect.call(this);
    if (!packet) return packet;
    if (packet.will) packet.will.payload = Buffer.from(packet.will.payload);
    this.settings = { protocolVersion: packet.protocolVersion, bridgeMode: packet.bridgeMode };
    return packet;
  };
}
