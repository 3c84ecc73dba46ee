/** mqtt-packet's Parser module (types/ covers only the package entry); the slice parser-buffers.ts patches. */
declare module 'mqtt-packet/parser.js' {
  import type { EventEmitter } from 'node:events';
  export default class Parser extends EventEmitter {
    _list: { length: number };
    _resetState(): void;
    parse(buf: Buffer): number;
  }
}
