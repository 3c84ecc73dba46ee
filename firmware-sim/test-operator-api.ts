/**
 * Test helper (not a test): a tiny real HTTP server with the four operator API routes the
 * installer uses (DESIGN.md "Operator API"), so provisioning is tested over real HTTP without
 * the whole dashboard. It also serves as an aedes `authenticate` hook source: `secrets` holds the
 * current secret of each device.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { deviceInputSchema, siteInputSchema } from '../shared/registry-schemas.ts';
import { safeParse } from '../shared/validation.ts';

export interface TestOperatorApi {
  url: string;
  /** Site id -> body of `POST /api/sites`. */
  sites: Map<string, unknown>;
  /** Device id -> current secret. */
  secrets: Map<string, string>;
  /** `METHOD path` of every request, in order. */
  calls: string[];
  close(): Promise<void>;
}

export async function startTestOperatorApi(admin: {
  username: string;
  password: string;
}): Promise<TestOperatorApi> {
  const token = randomBytes(16).toString('hex');
  const sites = new Map<string, unknown>();
  const secrets = new Map<string, string>();
  const calls: string[] = [];

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const readJson = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      return JSON.parse(Buffer.concat(chunks).toString() || 'null');
    } catch {
      return undefined;
    }
  };
  const issue = (id: string) => {
    const secret = randomBytes(32).toString('base64url');
    secrets.set(id, secret);
    return { id, secret };
  };

  const server = createServer(async (req, res) => {
    const path = req.url ?? '';
    calls.push(`${req.method} ${path}`);
    const body = await readJson(req);
    if (req.method !== 'POST') return send(res, 404, { error: 'not found' });
    if (path === '/api/login') {
      const b = body as { username?: string; password?: string } | undefined;
      if (b?.username === admin.username && b.password === admin.password) return send(res, 200, { token });
      return send(res, 401, { error: 'invalid credentials' });
    }
    if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { error: 'not logged in' });
    if (path === '/api/sites') {
      const site = safeParse(siteInputSchema, body);
      if (!site.ok) return send(res, 400, { error: site.error });
      if (sites.has(site.value.id)) return send(res, 409, { error: `site '${site.value.id}' exists` });
      sites.set(site.value.id, body);
      return send(res, 201, site.value);
    }
    if (path === '/api/devices') {
      const device = safeParse(deviceInputSchema, body);
      if (!device.ok) return send(res, 400, { error: device.error });
      if (!sites.has(device.value.siteId)) return send(res, 400, { error: 'unknown site' });
      if (secrets.has(device.value.id))
        return send(res, 409, { error: `device '${device.value.id}' exists` });
      return send(res, 201, issue(device.value.id));
    }
    const rotate = /^\/api\/devices\/([^/]+)\/secret$/.exec(path);
    if (rotate) {
      const id = decodeURIComponent(rotate[1]!);
      if (!secrets.has(id)) return send(res, 404, { error: 'unknown device' });
      return send(res, 200, issue(id));
    }
    return send(res, 404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    sites,
    secrets,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
