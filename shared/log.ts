/**
 * One namespaced logger (pino). Libraries emit, services log (STYLE.md rule 7). Secrets never
 * reach a log: the redact paths below cover every field that may carry one.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

export interface LogOptions {
  level?: string;
  format?: 'json' | 'pretty' | undefined;
  /**
   * Where JSON lines go instead of stdout (tests capture output this way). Implies `json`: pino
   * cannot combine a destination stream with the pretty transport.
   */
  destination?: DestinationStream | undefined;
}

const REDACT = [
  'password',
  'secret',
  'token',
  'secretHash',
  '*.password',
  '*.secret',
  '*.token',
  '*.secretHash',
];

/** Any key naming a credential, at any depth (the REDACT paths above only reach two levels). */
const SECRET_KEY = /password|secret|token|authorization|cookie|passphrase|credential|api[-_]?key/i;
const CENSOR = '[redacted]';
const MAX_DEPTH = 8;

/**
 * A copy of `value` with every credential-named key censored, however deep; the logged object
 * itself is never changed. Errors, Buffers and other class instances pass through untouched (pino's
 * serializers handle them after this).
 *
 * @example redactDeep({ req: { headers: { cookie: 'jj_session=…' } } }) // { req: { headers: { cookie: '[redacted]' } } }
 */
export function redactDeep(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  const plain =
    Array.isArray(value) ||
    Object.getPrototypeOf(value) === Object.prototype ||
    Object.getPrototypeOf(value) === null;
  if (!plain || seen.has(value)) return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] =
      SECRET_KEY.test(key) && v !== undefined && v !== null ? CENSOR : redactDeep(v, depth + 1, seen);
  }
  return out;
}

/**
 * @example createLogger('ingest', { level: 'debug', format: 'json' }).info({ token }, 'x') // token: "[redacted]"
 */
export function createLogger(name: string, options: LogOptions = {}): Logger {
  const format = options.destination
    ? 'json'
    : (options.format ?? (process.env.NODE_ENV === 'production' ? 'json' : 'pretty'));
  const pinoOptions: pino.LoggerOptions = {
    name,
    level: options.level ?? 'info',
    redact: { paths: REDACT, censor: CENSOR },
    // Child-logger bindings skip formatters.log; they get the two-level REDACT paths only.
    formatters: { log: (object) => redactDeep(object) as Record<string, unknown> },
    ...(format === 'pretty'
      ? {
          transport: {
            target: 'pino-pretty',
            options: { colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' },
          },
        }
      : {}),
  };
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}

/** A logger that drops everything; the default for factories used in tests. */
export const silentLogger: Logger = pino({ level: 'silent' });

/**
 * At most `perWindow` log lines per key per window; the rest are counted and summarised once the
 * window turns, so a flood of bad messages cannot flood the log.
 */
export function rateLimitedLog(windowMs = 10_000, perWindow = 5, now: () => number = Date.now) {
  const windows = new Map<string, { start: number; count: number; dropped: number }>();
  return (key: string, emit: (suppressedBefore: number) => void) => {
    const t = now();
    let w = windows.get(key);
    if (!w || t - w.start >= windowMs) {
      const suppressed = w?.dropped ?? 0;
      if (windows.size > 10_000) windows.clear();
      w = { start: t, count: 0, dropped: 0 };
      windows.set(key, w);
      w.count++;
      emit(suppressed);
      return;
    }
    if (w.count < perWindow) {
      w.count++;
      emit(0);
    } else {
      w.dropped++;
    }
  };
}
