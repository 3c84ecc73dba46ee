/** mqtt-packet's Parser module (types/ covers only the package entry); the slice lean-parsers.ts patches. */
declare module 'mqtt-packet/parser.js' {
  import type { EventEmitter } from 'node:events';
  import type { IConnectPacket } from 'mqtt-packet';
  export default class Parser extends EventEmitter {
    _list: { length: number };
    /** Parser options; after a CONNECT, the packet (its protocolVersion decides how later packets parse). */
    settings: { protocolVersion?: number; bridgeMode?: boolean };
    _resetState(): void;
    /** Fills the parser's current packet from a CONNECT; undefined once a parse error was emitted. */
    _parseConnect(): (IConnectPacket & { bridgeMode?: boolean }) | undefined;
    parse(buf: Buffer): number;
  }
}
