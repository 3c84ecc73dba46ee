/**
 * Dashboard users and what each may see. Only the admin from ADMIN_USER / ADMIN_PASSWORD exists
 * for now; roles and manager scoping live here in one place (`canSee`) because venue managers
 * see only their own venues (DOMAIN.md "Who uses it").
 */
import { hashSecret, PASSWORD_COST, verifySecret } from '../shared/secrets.ts';

export const ROLES = ['admin', 'operator', 'manager'] as const;
export type Role = (typeof ROLES)[number];

/** What the API and the session token carry: never the password hash. */
export interface PublicUser {
  username: string;
  role: Role;
  /** Manager only: the sites this user may see. */
  sites?: string[];
}

interface StoredUser extends PublicUser {
  passwordHash: string;
}

/**
 * Dishub operators and admins watch the whole city; a manager sees only the sites assigned.
 *
 * @example canSee({ username: 'upt-jodoh', role: 'manager', sites: ['pasar-induk-jodoh'] }, 'mall-mpp') // false
 */
export function canSee(user: PublicUser, siteId: string): boolean {
  if (user.role === 'admin' || user.role === 'operator') return true;
  return user.sites?.includes(siteId) ?? false;
}

export function publicUser(user: PublicUser): PublicUser {
  return user.sites
    ? { username: user.username, role: user.role, sites: [...user.sites] }
    : { username: user.username, role: user.role };
}

export interface UserStore {
  add(user: PublicUser & { password: string }): Promise<void>;
  get(username: string): PublicUser | undefined;
  /** The user when the password matches; undefined otherwise, after the same scrypt work either way. */
  authenticate(username: string, password: string): Promise<PublicUser | undefined>;
}

/**
 * An in-process user store.
 *
 * @example
 * const users = createUserStore();
 * await users.add({ username: 'admin', role: 'admin', password: 'rahasia-sekali' });
 * await users.authenticate('admin', 'rahasia-sekali'); // { username: 'admin', role: 'admin' }
 */
export function createUserStore(): UserStore {
  const users = new Map<string, StoredUser>();
  // An unknown user costs the same scrypt time as a wrong password, so response time does not
  // reveal which usernames exist. Computed with the first user (scrypt runs in the libuv pool, in
  // parallel) rather than in the factory, which stays side-effect free.
  let dummyHash: Promise<string> | undefined;
  return {
    async add({ password, ...user }) {
      dummyHash ??= hashSecret('not-a-password', PASSWORD_COST);
      users.set(user.username, {
        ...publicUser(user),
        passwordHash: await hashSecret(password, PASSWORD_COST),
      });
    },
    get(username) {
      const user = users.get(username);
      return user ? publicUser(user) : undefined;
    },
    async authenticate(username, password) {
      const user = users.get(username);
      dummyHash ??= hashSecret('not-a-password', PASSWORD_COST);
      const ok = await verifySecret(password, user?.passwordHash ?? (await dummyHash));
      return ok && user ? publicUser(user) : undefined;
    },
  };
}
