/**
 * A batch InfluxDB refuses for its content (a 4xx other than 408/429) is not an outage: retrying
 * or spooling it would block every line behind it forever. This sender wrapper finds the lines at
 * fault instead, so one bad line costs one line:
 *   - a partial write (InfluxDB 1.x and 2.x store the valid lines of a batch and answer 400
 *     `partial write: ... dropped=N`) loses only the lines InfluxDB names;
 *   - a 400 refusing the whole batch (e.g. a 2.x parse error) or a 413 (body too large) is split
 *     in halves, each sent again, down to single lines; a single line refused is given up;
 *   - other refusals (401, 403, 404: credentials or database) would fail for every half alike,
 *     so the batch is given up whole, loudly, without multiplying requests.
 * Every line given up is reported through `onRefused` (the caller counts and logs it). Retryable
 * failures (outage, 5xx, 429, timeouts) are thrown unchanged for the queue or the spool to keep.
 * A retryable failure halfway through a split resends the halves already stored: harmless, a
 * point with the same series and time overwrites itself.
 */
import { WriteFailure } from './write-queue.ts';

/** Lines InfluxDB says it dropped from a partial write, or undefined when it is not one. */
export function partialWriteLoss(message: string, lines: number): number | undefined {
  if (!/partial write/i.test(message)) return undefined;
  const dropped = Number(/dropped=(\d+)/.exec(message)?.[1] ?? 0);
  // 1.x reports parse errors as `partial write: unable to parse '...' ... dropped=0`.
  const unparsed = message.match(/unable to parse/gi)?.length ?? 0;
  const lost = Math.max(dropped, unparsed);
  return lost > 0 && lost <= lines ? lost : lines;
}

const SPLITTABLE = new Set(['400', '413']);

/**
 * @example
 * const send = splittingSender(post, (lines, failure, lost) => log.error({ lost }, failure.message));
 * const { stored } = await send(['ok 1', 'bad line', 'ok 2']); // stored: 2, onRefused(['bad line'], ..., 1)
 */
export function splittingSender(
  send: (lines: string[]) => Promise<void>,
  onRefused: (lines: string[], failure: WriteFailure, lost: number) => void,
): (lines: string[]) => Promise<{ stored: number }> {
  const part = async (lines: string[]): Promise<number> => {
    try {
      await send(lines);
      return lines.length;
    } catch (err) {
      if (!(err instanceof WriteFailure) || err.retryable) throw err;
      const partial = partialWriteLoss(err.message, lines.length);
      if (partial !== undefined) {
        onRefused(lines, err, partial);
        return lines.length - partial;
      }
      if (lines.length === 1 || !SPLITTABLE.has(err.reason)) {
        onRefused(lines, err, lines.length);
        return 0;
      }
      const mid = lines.length >> 1;
      return (await part(lines.slice(0, mid))) + (await part(lines.slice(mid)));
    }
  };
  return async (lines) => ({ stored: await part(lines) });
}
