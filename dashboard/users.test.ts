import { describe, expect, it } from 'vitest';
import { createUserStore } from './users.ts';

describe('user store', () => {
  it('refuses a username that differs from an existing one only in case, naming the existing one', async () => {
    const users = createUserStore();
    await users.load();
    await users.create({ username: 'budi', role: 'operator', password: 'rahasia-sekali-1' });
    await expect(
      users.create({ username: 'Budi', role: 'admin', password: 'rahasia-sekali-2' }),
    ).rejects.toMatchObject({ status: 409, message: "user 'budi' already exists" });
    await users.create({ username: 'budi.s', role: 'operator', password: 'rahasia-sekali-3' });
    expect(users.get('budi')?.role).toBe('operator');
    expect(users.get('Budi')).toBeUndefined();
  });
});
