/**
 * The dashboard's HTTP API as the browser uses it. The session lives in the HttpOnly
 * `jj_session` cookie (same origin), so no token is ever kept in page-readable storage; the
 * `token` the login answer carries is for scripts and is ignored here.
 */
import type { HistoryBucket, SiteView } from '../../shared/site-state.ts';

export interface User {
  username: string;
  role: string;
}

export interface ServerInfo {
  store: 'influx' | 'memory';
  storeDescription: string;
  policy: { id: string; label: { id: string; en: string } };
}

/** A device as `GET /api/sites/:id` lists it; fields beyond id are shown when present. */
export interface SiteDevice {
  id: string;
  type?: string;
  name?: string;
  online?: boolean | null;
}

export type SiteDetail = SiteView & { devices?: SiteDevice[] };

export interface HistoryResponse {
  siteId: string;
  from: string;
  to: string;
  stepMs: number;
  buckets: HistoryBucket[];
}

/** An answer with a 4xx/5xx status; `status` 0 means the server could not be reached. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function request<T>(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers:
        body === undefined
          ? { accept: 'application/json' }
          : { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
      signal: signal ?? null,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, `${method} ${path}: ${(err as Error).message}`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const message =
      json && typeof json === 'object' && 'error' in json
        ? String((json as { error: unknown }).error)
        : res.statusText;
    throw new ApiError(res.status, `${method} ${path}: ${message}`);
  }
  return json as T;
}

export const api = {
  login: (username: string, password: string) =>
    request<{ token: string; user: User }>('POST', '/api/login', { username, password }),
  logout: () => request<unknown>('POST', '/api/logout', {}),
  /** The signed-in user, or undefined when the session is missing or expired (401). */
  async me(): Promise<User | undefined> {
    try {
      const answer = await request<User | { user: User }>('GET', '/api/me');
      // Accept both `{username, role}` and `{user: {...}}`, whichever the server settles on.
      return 'user' in answer ? answer.user : answer;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return undefined;
      throw err;
    }
  },
  sites: () => request<SiteView[]>('GET', '/api/sites'),
  site: (id: string, signal?: AbortSignal) =>
    request<SiteDetail>('GET', `/api/sites/${encodeURIComponent(id)}`, undefined, signal),
  history: (id: string, fromMs: number, toMs: number, step: string, signal?: AbortSignal) =>
    request<HistoryResponse>(
      'GET',
      `/api/sites/${encodeURIComponent(id)}/history?${new URLSearchParams({ from: String(fromMs), to: String(toMs), step })}`,
      undefined,
      signal,
    ),
  info: () => request<ServerInfo>('GET', '/api/info'),
};
