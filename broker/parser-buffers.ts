/**
 * mqtt-packet (the parser of aedes and mqtt.js) keeps a connection's unparsed bytes in a `bl`
 * BufferListStream: a whole duplex stream (readable and writable state, listeners) per
 * connection, of which the parser only uses the list methods (append, consume, readUInt8, slice).
 * At 10,000 device connections that is about 9 MiB of the broker's heap (heap snapshot, session
 * 4). `bl`'s plain BufferList has the same list methods without the stream.
 *
 * This patches mqtt-packet's Parser prototype for the whole process, so every parser made after
 * it (aedes' per client, mqtt.js' per connection) gets the plain list. parser-buffers.test.ts
 * checks that aedes and mqtt resolve to the mqtt-packet patched here.
 */
import { BufferList } from 'bl';
import Parser from 'mqtt-packet/parser.js';

let installed = false;

/**
 * Idempotent; call before connections are accepted (create-broker.ts does).
 *
 * @example
 * usePlainParserBuffers();
 * aedes.handle(socket); // its parser buffers in a BufferList
 */
export function usePlainParserBuffers(): void {
  if (installed) return;
  installed = true;
  const reset = Parser.prototype._resetState;
  // _resetState runs when a parser is made and after a parse error; it sets `_list`.
  Parser.prototype._resetState = function resetWithPlainList(this: { _list: unknown }) {
    reset.call(this);
    this._list = new BufferList();
  };
}
