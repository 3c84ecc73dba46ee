/**
 * Dashboard users and what each may see (issue 3 "Users and scope"). Roles: `admin` (everything),
 * `operator` (a Dishub operator: the whole city, no user or webhook admin), `manager` (a venue
 * manager: only the sites assigned, DOMAIN.md "Who uses it"). Scoping lives in one place,
 * `canSee`, used by every route and by socket.io rooms.
 *
 * Users are kept in `${DATA_DIR}/users.json` (scrypt hashes only, atomic 0600 writes). Sessions
 * look the user up on every request, so a removed user, a new role or new sites apply at once;
 * a password change bumps `sessionVersion`, which ends every session issued before it.
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { z } from 'zod';
import { hashSecret, PASSWORD_COST, verifySecret } from '../shared/secrets.ts';
import { badRequest, conflict, notFound } from './http-errors.ts';
import { coalescedWriter, readJsonFile, writeJsonFile } from './json-file.ts';

export const ROLES = ['admin', 'operator', 'manager'] as const;
export type Role = (typeof ROLES)[number];

/** What the API and the session carry: never the password hash. */
export interface PublicUser {
  username: string;
  role: Role;
  /** Manager only: the sites this user may see. */
  sites?: string[];
}

/** `GET /api/users` element. */
export interface UserInfo extends PublicUser {
  createdAt: string;
  updatedAt: string;
}

const storedUserSchema = z.object({
  username: z.string(),
  role: z.enum(ROLES),
  sites: z.array(z.string()).optional(),
  passwordHash: z.string().min(1),
  sessionVersion: z.number().int().min(0).default(0),
  createdAt: z.string(),
  updatedAt: z.string(),
});
type StoredUser = z.infer<typeof storedUserSchema>;

const usersFileSchema = z.object({ version: z.literal(1), users: z.array(storedUserSchema) });

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
  return user.role === 'manager'
    ? { username: user.username, role: user.role, sites: [...(user.sites ?? [])] }
    : { username: user.username, role: user.role };
}

function userInfo(user: StoredUser): UserInfo {
  return { ...publicUser(user), createdAt: user.createdAt, updatedAt: user.updatedAt };
}

export interface UserPatch {
  role?: Role | undefined;
  sites?: string[] | undefined;
  password?: string | undefined;
}

export interface UserStoreEvents {
  /** A user was added, changed (role, sites, password) or removed (`undefined`). */
  change: [username: string, user: PublicUser | undefined, sessionsEnded: boolean];
}

export interface UserStore extends EventEmitter<UserStoreEvents> {
  /** Reads users.json (no-op for an in-memory store). */
  load(): Promise<void>;
  /** Adds or replaces a user (the env admin, tests). */
  add(user: PublicUser & { password: string }): Promise<PublicUser>;
  /** @throws HttpError 409 when the username is taken. */
  create(user: PublicUser & { password: string }): Promise<UserInfo>;
  /** @throws HttpError 404 for an unknown user, 409 when it would remove the last admin. */
  update(username: string, patch: UserPatch): Promise<UserInfo>;
  /** @throws HttpError 404 for an unknown user, 409 for the last admin. */
  remove(username: string): Promise<void>;
  get(username: string): PublicUser | undefined;
  info(username: string): UserInfo | undefined;
  list(): UserInfo[];
  /** Bumped by a password change; a session issued under an older version is refused. */
  sessionVersion(username: string): number | undefined;
  /** The user when the password matches; undefined otherwise, after the same scrypt work either way. */
  authenticate(username: string, password: string): Promise<PublicUser | undefined>;
  /** Makes sure `username` exists as an admin with this password (ADMIN_USER / ADMIN_PASSWORD). */
  ensureAdmin(username: string, password: string): Promise<void>;
}

/**
 * @example
 * const users = createUserStore({ dataDir: './data' }); // in memory without dataDir
 * await users.load();
 * await users.ensureAdmin('admin', 'rahasia-sekali');
 * await users.authenticate('admin', 'rahasia-sekali'); // { username: 'admin', role: 'admin' }
 */
export function createUserStore(options: { dataDir?: string; now?: () => number } = {}): UserStore {
  const users = new Map<string, StoredUser>();
  const path = options.dataDir ? join(options.dataDir, 'users.json') : undefined;
  const now = () => new Date((options.now ?? Date.now)()).toISOString();
  const save = coalescedWriter(async () => {
    if (path) await writeJsonFile(path, { version: 1, users: [...users.values()] });
  });
  // An unknown user costs the same scrypt time as a wrong password, so response time does not
  // reveal which usernames exist. Computed lazily; the factory stays side-effect free.
  let dummyHash: Promise<string> | undefined;
  const dummy = () => {
    dummyHash ??= hashSecret('not-a-password', PASSWORD_COST);
    return dummyHash;
  };
  /** Mutations run one at a time so the last-admin check and its write cannot interleave. */
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };
  const admins = () => [...users.values()].filter((u) => u.role === 'admin').length;
  const emitter = new EventEmitter<UserStoreEvents>();

  /** Applies a change, saves, and undoes it in memory when the save fails. */
  const commit = async (username: string, next: StoredUser | undefined) => {
    const previous = users.get(username);
    if (next) users.set(username, next);
    else users.delete(username);
    try {
      await save();
    } catch (err) {
      if (previous) users.set(username, previous);
      else users.delete(username);
      throw err;
    }
    const ended = !next || (previous !== undefined && previous.sessionVersion !== next.sessionVersion);
    emitter.emit('change', username, next ? publicUser(next) : undefined, ended);
  };

  const store: Omit<UserStore, keyof EventEmitter> = {
    async load() {
      if (!path) return;
      const file = await readJsonFile(path, usersFileSchema, 'Users');
      users.clear();
      for (const user of file?.users ?? []) users.set(user.username, user);
    },
    add({ password, ...user }) {
      return serialized(async () => {
        void dummy();
        const at = now();
        const previous = users.get(user.username);
        const next: StoredUser = {
          ...publicUser(user),
          passwordHash: await hashSecret(password, PASSWORD_COST),
          sessionVersion: (previous?.sessionVersion ?? -1) + 1,
          createdAt: previous?.createdAt ?? at,
          updatedAt: at,
        };
        await commit(user.username, next);
        return publicUser(next);
      });
    },
    create({ password, ...user }) {
      return serialized(async () => {
        // 'ADMIN' next to 'admin' would be two people an operator cannot tell apart in a log.
        const lower = user.username.toLowerCase();
        const taken = [...users.keys()].find((name) => name.toLowerCase() === lower);
        if (taken) throw conflict(`user '${taken}' already exists`);
        const at = now();
        const next: StoredUser = {
          ...publicUser(user),
          passwordHash: await hashSecret(password, PASSWORD_COST),
          sessionVersion: 0,
          createdAt: at,
          updatedAt: at,
        };
        await commit(user.username, next);
        return userInfo(next);
      });
    },
    update(username, patch) {
      return serialized(async () => {
        const previous = users.get(username);
        if (!previous) throw notFound(`user '${username}' not found`);
        const role = patch.role ?? previous.role;
        if (previous.role === 'admin' && role !== 'admin' && admins() <= 1)
          throw conflict(`'${username}' is the last admin`);
        const sites = role === 'manager' ? (patch.sites ?? previous.sites ?? []) : undefined;
        if (role === 'manager' && !sites?.length)
          throw badRequest('sites must list at least one site for a manager');
        const next: StoredUser = {
          ...previous,
          ...publicUser({ username, role, ...(sites ? { sites } : {}) }),
          updatedAt: now(),
        };
        if (role !== 'manager') delete next.sites;
        if (patch.password !== undefined) {
          next.passwordHash = await hashSecret(patch.password, PASSWORD_COST);
          next.sessionVersion = previous.sessionVersion + 1;
        }
        await commit(username, next);
        return userInfo(next);
      });
    },
    remove(username) {
      return serialized(async () => {
        const previous = users.get(username);
        if (!previous) throw notFound(`user '${username}' not found`);
        if (previous.role === 'admin' && admins() <= 1) throw conflict(`'${username}' is the last admin`);
        await commit(username, undefined);
      });
    },
    get(username) {
      const user = users.get(username);
      return user ? publicUser(user) : undefined;
    },
    info(username) {
      const user = users.get(username);
      return user ? userInfo(user) : undefined;
    },
    list() {
      return [...users.values()].map(userInfo).sort((a, b) => a.username.localeCompare(b.username));
    },
    sessionVersion(username) {
      return users.get(username)?.sessionVersion;
    },
    async authenticate(username, password) {
      const user = users.get(username);
      const ok = await verifySecret(password, user?.passwordHash ?? (await dummy()));
      return ok && user ? publicUser(user) : undefined;
    },
    ensureAdmin(username, password) {
      return serialized(async () => {
        const previous = users.get(username);
        if (previous?.role === 'admin' && (await verifySecret(password, previous.passwordHash))) return;
        const at = now();
        // The env admin's password is whatever ADMIN_PASSWORD says: rotating it in the environment
        // (and restarting) rotates it here and ends that account's older sessions.
        const next: StoredUser = {
          username,
          role: 'admin',
          passwordHash: await hashSecret(password, PASSWORD_COST),
          sessionVersion: (previous?.sessionVersion ?? -1) + 1,
          createdAt: previous?.createdAt ?? at,
          updatedAt: at,
        };
        await commit(username, next);
      });
    },
  };
  return Object.assign(emitter, store);
}
