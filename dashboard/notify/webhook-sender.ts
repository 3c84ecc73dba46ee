/**
 * One webhook HTTP attempt, signed, and what to do next. Receivers verify
 * `X-Jagajarak-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>` and drop repeats by
 * `X-Jagajarak-Idempotency-Key` (a crash between a receiver's 2xx and our log write is the one
 * case where we may send a key twice; the key lets the receiver make it harmless).
 */
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Jagajarak-Signature';
export const IDEMPOTENCY_HEADER = 'X-Jagajarak-Idempotency-Key';
export const EVENT_HEADER = 'X-Jagajarak-Event';

/**
 * @example sign('rahasia-webhook-123', '{"event":"raised"}') // 'sha256=5d1c…'
 */
export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export type AttemptResult =
  | { ok: true; status: number }
  | { ok: false; retry: boolean; status: number | null; error: string; retryAfterMs?: number | undefined };

export interface AttemptRequest {
  url: string;
  secret: string;
  key: string;
  event: string;
  contentType: string;
  body: string;
  timeoutMs: number;
  userAgent: string;
  /** Aborts the attempt early (the notifier's stop); the timeout applies either way. */
  signal?: AbortSignal | undefined;
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/**
 * Network errors, timeouts, 5xx and 429 are worth retrying; any other non-2xx (a 4xx, or a
 * redirect, which is not followed: a webhook URL that moved must be fixed by an admin) is not.
 */
export async function attempt(request: AttemptRequest): Promise<AttemptResult> {
  let res: Response;
  try {
    res = await fetch(request.url, {
      method: 'POST',
      redirect: 'manual',
      signal: request.signal
        ? AbortSignal.any([request.signal, AbortSignal.timeout(request.timeoutMs)])
        : AbortSignal.timeout(request.timeoutMs),
      headers: {
        'Content-Type': request.contentType,
        'User-Agent': request.userAgent,
        [SIGNATURE_HEADER]: sign(request.secret, request.body),
        [IDEMPOTENCY_HEADER]: request.key,
        [EVENT_HEADER]: request.event,
      },
      body: request.body,
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const message =
      (err as Error).name === 'TimeoutError'
        ? `no answer within ${request.timeoutMs} ms`
        : (cause?.code ?? cause?.message ?? (err as Error).message);
    return { ok: false, retry: true, status: null, error: message };
  }
  // The body is not needed; drain it so the connection can be reused.
  await res.arrayBuffer().catch(() => undefined);
  if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
  const retry = res.status >= 500 || res.status === 429;
  return {
    ok: false,
    retry,
    status: res.status,
    error: `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`,
    retryAfterMs: retry ? retryAfterMs(res.headers.get('retry-after'), Date.now()) : undefined,
  };
}

/**
 * Exponential backoff with jitter: base, 2 base, 4 base ... capped at max, each scaled by a random
 * factor in [0.5, 1) so many failed deliveries do not retry in lockstep.
 *
 * @example backoffMs(3, { baseMs: 1000, maxMs: 300_000 }, () => 0.5) // 3000
 */
export function backoffMs(
  attempts: number,
  limits: { baseMs: number; maxMs: number },
  random: () => number,
): number {
  const raw = Math.min(limits.maxMs, limits.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(raw * (0.5 + random() * 0.5));
}
