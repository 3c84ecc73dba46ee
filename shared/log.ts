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
    redact: { paths: REDACT, censor: '[redacted]' },
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
