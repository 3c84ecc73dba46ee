import { describe, expect, it } from 'vitest';
import { createSessions, tokenFrom } from './sessions.ts';
import { createUserStore } from './users.ts';

describe('sessions', () => {
  it('verifies a token until its expiry on the injected clock, and only with the same secret', async () => {
    let now = Date.UTC(2026, 10, 28, 0, 0, 0);
    const clock = { now: () => now };
    const users = createUserStore();
    await users.add({ username: 'ops', role: 'operator', password: 'operator-password' });
    const sessions = createSessions({ secret: 's'.repeat(32), ttlMs: 3_600_000, users, clock });
    const { token, expiresAt } = await sessions.issue({ username: 'ops', role: 'operator' });
    expect(expiresAt).toBe(now + 3_600_000);
    expect(await sessions.verify(token)).toEqual({ user: { username: 'ops', role: 'operator' }, expiresAt });

    // Another replica with the same secret accepts it; one with another secret does not.
    const replica = createSessions({ secret: 's'.repeat(32), ttlMs: 3_600_000, users, clock });
    expect(await replica.verify(token)).toBeDefined();
    const stranger = createSessions({ secret: 't'.repeat(32), ttlMs: 3_600_000, users, clock });
    expect(await stranger.verify(token)).toBeUndefined();

    now += 3_600_000;
    expect(await sessions.verify(token)).toBeUndefined();
  });

  it('rejects a token whose user no longer exists', async () => {
    const users = createUserStore();
    const sessions = createSessions({
      secret: 's'.repeat(32),
      ttlMs: 60_000,
      users,
      clock: { now: () => 0 },
    });
    const { token } = await sessions.issue({ username: 'ghost', role: 'admin' });
    expect(await sessions.verify(token)).toBeUndefined();
    expect(await sessions.verify(undefined)).toBeUndefined();
    expect(await sessions.verify('garbage')).toBeUndefined();
  });

  it('reads the token from a bearer header first, then the jj_session cookie', () => {
    expect(tokenFrom({ authorization: 'Bearer abc', cookie: 'jj_session=def' })).toBe('abc');
    expect(tokenFrom({ cookie: 'theme=dark; jj_session=def' })).toBe('def');
    expect(tokenFrom({ authorization: 'Basic xyz' })).toBeUndefined();
  });
});
