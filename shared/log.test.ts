import { describe, expect, it } from 'vitest';
import { createLogger, rateLimitedLog } from './log.ts';

/** A limiter on a hand-driven clock that records what each emit was told. */
function limiter(windowMs: number, perWindow: number) {
  let t = 1_000_000;
  const limited = rateLimitedLog(windowMs, perWindow, () => t);
  const emitted: [key: string, suppressedBefore: number][] = [];
  return {
    log: (key: string, times = 1) => {
      for (let i = 0; i < times; i++) limited(key, (suppressed) => emitted.push([key, suppressed]));
    },
    advance: (ms: number) => {
      t += ms;
    },
    emitted,
  };
}

describe('rateLimitedLog', () => {
  it('emits at most perWindow lines per key per window', () => {
    const l = limiter(10_000, 3);
    l.log('bad-json:bus-k1-07', 10);
    expect(l.emitted).toEqual([
      ['bad-json:bus-k1-07', 0],
      ['bad-json:bus-k1-07', 0],
      ['bad-json:bus-k1-07', 0],
    ]);
    l.advance(9_999);
    l.log('bad-json:bus-k1-07', 5);
    expect(l.emitted).toHaveLength(3);
  });

  it('tells the first line of the next window how many lines were suppressed', () => {
    const l = limiter(10_000, 2);
    l.log('k', 7);
    l.advance(10_000);
    l.log('k');
    expect(l.emitted.at(-1)).toEqual(['k', 5]);
    l.log('k');
    expect(l.emitted.at(-1)).toEqual(['k', 0]);
  });

  it('counts suppressed lines afresh in every window', () => {
    const l = limiter(1_000, 1);
    l.log('k', 4);
    l.advance(1_000);
    l.log('k', 2);
    l.advance(1_000);
    l.log('k');
    expect(l.emitted).toEqual([
      ['k', 0],
      ['k', 3],
      ['k', 1],
    ]);
  });

  it('reports no suppression when nothing was dropped, even after a long silence', () => {
    const l = limiter(1_000, 5);
    l.log('k', 2);
    l.advance(3_600_000);
    l.log('k');
    expect(l.emitted).toEqual([
      ['k', 0],
      ['k', 0],
      ['k', 0],
    ]);
  });

  it('limits each key on its own', () => {
    const l = limiter(10_000, 1);
    l.log('a', 3);
    l.log('b', 3);
    expect(l.emitted).toEqual([
      ['a', 0],
      ['b', 0],
    ]);
    l.advance(10_000);
    l.log('b');
    expect(l.emitted.at(-1)).toEqual(['b', 2]);
  });

  it('defaults to 5 lines per 10 s window', () => {
    let t = 0;
    const limited = rateLimitedLog(undefined, undefined, () => t);
    const suppressed: number[] = [];
    for (let i = 0; i < 8; i++) limited('k', (n) => suppressed.push(n));
    t = 9_999;
    limited('k', (n) => suppressed.push(n));
    t = 10_000;
    limited('k', (n) => suppressed.push(n));
    expect(suppressed).toEqual([0, 0, 0, 0, 0, 4]);
  });
});

describe('createLogger', () => {
  function captured(level = 'info') {
    const lines: string[] = [];
    const logger = createLogger('test', {
      level,
      format: 'pretty',
      destination: { write: (s) => lines.push(s) },
    });
    const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    return { logger, records };
  }

  it('writes JSON lines with the name to an injected destination, even when pretty was asked for', () => {
    const { logger, records } = captured();
    logger.info({ siteId: 'pasar-jodoh' }, 'site loaded');
    expect(records()).toEqual([
      expect.objectContaining({ name: 'test', level: 30, siteId: 'pasar-jodoh', msg: 'site loaded' }),
    ]);
  });

  it('respects the level', () => {
    const { logger, records } = captured('warn');
    logger.info('hidden');
    logger.warn('shown');
    expect(records().map((r) => r.msg)).toEqual(['shown']);
  });

  it('redacts password, secret, token and secretHash at the top level and one level down', () => {
    const { logger, records } = captured();
    logger.info(
      {
        password: 'p4ss',
        secret: 'dev1ce-secret',
        token: 'influx-token',
        secretHash: 'scrypt$1024$8$1$salt$hash',
        user: { name: 'ops', password: 'p4ss' },
        device: { id: 'bus-k1-07', secret: 's', secretHash: 'h', token: 't' },
      },
      'login',
    );
    const [record] = records();
    expect(record).toMatchObject({
      password: '[redacted]',
      secret: '[redacted]',
      token: '[redacted]',
      secretHash: '[redacted]',
      user: { name: 'ops', password: '[redacted]' },
      device: { id: 'bus-k1-07', secret: '[redacted]', secretHash: '[redacted]', token: '[redacted]' },
    });
    const raw = JSON.stringify(record);
    for (const leak of ['p4ss', 'dev1ce-secret', 'influx-token', 'scrypt$']) expect(raw).not.toContain(leak);
  });

  it('leaves the logged object itself untouched', () => {
    const { logger } = captured();
    const body = { user: { password: 'p4ss' } };
    logger.info(body, 'x');
    expect(body.user.password).toBe('p4ss');
  });
});

describe('redaction at any depth', () => {
  it('censors credential-named keys however deep and in arrays, leaving other fields', () => {
    const lines: string[] = [];
    const logger = createLogger('test', { destination: { write: (s) => lines.push(s) } });
    logger.info(
      {
        req: {
          headers: { authorization: 'Bearer eyJ-deep-token', cookie: 'jj_session=cookie-value', host: 'x' },
        },
        hooks: [{ id: 'wh-1', config: { webhookSecret: 'hook-secret-value' } }],
        a: { b: { c: { d: { password: 'deep-p4ss', MQTT_SERVICE_SECRET: 'svc-secret' } } } },
        auth: { apiKey: 'child-api-key' },
      },
      'request',
    );
    const raw = lines.join('');
    for (const leak of [
      'child-api-key',
      'eyJ-deep-token',
      'cookie-value',
      'hook-secret-value',
      'deep-p4ss',
      'svc-secret',
    ])
      expect(raw).not.toContain(leak);
    const record = JSON.parse(lines[0]!);
    expect(record.req.headers.host).toBe('x');
    expect(record.hooks[0].id).toBe('wh-1');
    expect(record.a.b.c.d.password).toBe('[redacted]');
  });
});
