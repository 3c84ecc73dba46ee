/**
 * CRC-32 (IEEE 802.3, the zlib/PNG one) of a string's UTF-8 bytes, for the spool's records.
 * Node has `zlib.crc32` only from 20.15 and 22.2; package.json allows 20.12, so a table-driven
 * fallback covers older 20.x.
 */
import * as zlib from 'node:zlib';

const native = (zlib as { crc32?: (data: string | Uint8Array) => number }).crc32;

let table: Uint32Array | undefined;

function slowCrc32(text: string): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'utf8')) crc = table[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** @example crc32('123456789') === 0xcbf43926 */
export function crc32(text: string): number {
  return native ? native(text) : slowCrc32(text);
}

export { slowCrc32 as crc32Fallback };
