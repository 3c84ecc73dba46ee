/**
 * The progress display of load mode: one line, rewritten in place on a terminal, printed every
 * few seconds otherwise (CI logs), with the publish rate, connections and errors.
 */
import type { LoadTotals } from './load-generator.ts';

const n = (x: number) => Math.round(x).toLocaleString('en-US');

/** @example progressLine(totals) // '  12.0s  rate 29,874 msg/s  acked 29,801/s  connected 20,000/20,000  pending 1,203  errors 0' */
export function progressLine(t: LoadTotals): string {
  return [
    `${t.elapsedS.toFixed(1).padStart(6)}s`,
    `rate ${n(t.rate).padStart(7)} msg/s`,
    `acked ${n(t.ackRate).padStart(7)}/s`,
    `connected ${n(t.connected)}/${n(t.devices)}`,
    `pending ${n(t.pending)}`,
    `errors ${n(t.errors)}`,
    t.bufferDropped ? `buffer-dropped ${n(t.bufferDropped)}` : '',
    t.paused ? `paused ${n(t.paused)}` : '',
    `rss ${n(t.rss / 2 ** 20)} MiB`,
  ]
    .filter(Boolean)
    .join('  ');
}

/** Writes progress lines to `out`: in place on a TTY, one line per `everyMs` otherwise. */
export function progressWriter(out: NodeJS.WriteStream, everyMs = 5000) {
  let last = 0;
  return {
    update(t: LoadTotals): void {
      if (out.isTTY) {
        out.write(`\r\x1b[2K${progressLine(t)}`);
        return;
      }
      const now = performance.now();
      if (now - last < everyMs) return;
      last = now;
      out.write(`${progressLine(t)}\n`);
    },
    note(text: string): void {
      out.write(`${out.isTTY ? '\r\x1b[2K' : ''}${text}\n`);
    },
  };
}
