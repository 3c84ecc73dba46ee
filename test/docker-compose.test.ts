/**
 * docker-compose.yml is the production topology (DESIGN.md "Shape"), but no Docker engine runs
 * here, so this test keeps the file honest against the code: every environment variable is one
 * the service's config schema knows and accepts, ports and URLs line up between services, shared
 * secrets come from the same variable, and the image built by the Dockerfile holds every file the
 * commands import.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { z } from 'zod';
import { brokerConfigSchema, loadBrokerConfig } from '../broker/config.ts';
import { dashboardConfigSchema, loadDashboardConfig } from '../dashboard/config.ts';
import { loadSimulatorConfig, simulatorEnvSchema } from '../firmware-sim/config.ts';
import { ingestEnvSchema } from '../ingest/config.ts';
import { type Env, loadConfig } from '../shared/config.ts';
import { entryOf, SERVICE_NODE_FLAGS, type ServiceEntry } from '../shared/service-bundles.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
};
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8');

interface ComposeService {
  image?: string;
  build?: string | { context: string };
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Array<string | { target: number; published?: string | number }>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  profiles?: string[];
  volumes?: Array<string | { target: string }>;
  healthcheck?: { test: string[] | string };
  expose?: Array<string | number>;
}

/** What `.env` would hold in production (README "Deploy"); the lengths meet each schema's minimum. */
const SAMPLE_DOTENV: Env = {
  INFLUX_ADMIN_PASSWORD: 'influx-admin-password',
  INFLUX_TOKEN: 'influx-admin-token-0123456789abcdef',
  MQTT_SERVICE_SECRET: 'mqtt-service-secret-0123456789abcdef',
  ADMIN_PASSWORD: 'admin-password-123',
  SESSION_SECRET: 'session-secret-0123456789abcdef-0123456789',
};

/** Each app service, the schema of the environment it reads, and its own loader. */
const APP_SERVICES: Record<string, { schema: z.ZodObject; load(env: Env): unknown }> = {
  broker: { schema: brokerConfigSchema, load: loadBrokerConfig },
  ingest: { schema: ingestEnvSchema, load: (env) => loadConfig(ingestEnvSchema, env, 'ingest') },
  dashboard: { schema: dashboardConfigSchema, load: loadDashboardConfig },
  simulator: { schema: simulatorEnvSchema, load: loadSimulatorConfig },
};

const INTERPOLATION = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** Compose's interpolation: `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `$$`. */
function interpolate(value: string, dotenv: Env): string {
  return value.replace(INTERPOLATION, (whole, braced?: string, op?: string, arg?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare)!;
    const set = dotenv[name];
    if (op === ':-') return set ? set : (arg ?? '');
    if (op === '-') return set ?? arg ?? '';
    if (op === ':?' || op === '?') {
      if (op === ':?' ? !set : set === undefined) throw new Error(`${name}: ${arg}`);
      return set!;
    }
    return set ?? '';
  });
}

/** Variables a value interpolates, with how: `required` (`:?`), `default` or `plain`. */
function variables(value: string): Array<{ name: string; kind: 'required' | 'default' | 'plain' }> {
  return [...value.matchAll(INTERPOLATION)]
    .filter((m) => m[0] !== '$$')
    .map((m) => ({
      name: (m[1] ?? m[4])!,
      kind: m[2]?.includes('?') ? 'required' : m[2]?.includes('-') ? 'default' : 'plain',
    }));
}

function service(name: string): ComposeService {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service '${name}'`);
  return found;
}

function rawEnv(name: string): Record<string, string> {
  const env = service(name).environment ?? {};
  const entries = Array.isArray(env)
    ? env.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])
    : Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]);
  return Object.fromEntries(entries);
}

function resolvedEnv(name: string, dotenv = SAMPLE_DOTENV): Env {
  return Object.fromEntries(Object.entries(rawEnv(name)).map(([k, v]) => [k, interpolate(v, dotenv)]));
}

function containerPorts(name: string): number[] {
  return (service(name).ports ?? []).map((p) =>
    typeof p === 'string' ? Number(p.split(':').at(-1)!.split('/')[0]) : p.target,
  );
}

function commandArgs(name: string): string[] {
  const command = service(name).command ?? [];
  return Array.isArray(command) ? command : command.split(/\s+/);
}

const entryFiles = (name: string) => commandArgs(name).filter((arg) => /\.[cm]?[jt]s$/.test(arg));

/** The source entry of the bundle a service's command runs (the image builds it: `npm run build`). */
const sourceEntry = (name: string): ServiceEntry => {
  const [bundle] = entryFiles(name);
  const entry = bundle ? entryOf(bundle) : undefined;
  if (!entry) throw new Error(`${name} runs ${bundle}, which is not a bundle of shared/service-bundles.ts`);
  return entry;
};

/**
 * Every repo file an entry needs at run time: the closure of its relative imports, plus what
 * it reads beside itself through `new URL('…', import.meta.url)` (a folder counts whole).
 */
function runtimeFiles(entry: string): Set<string> {
  const needed = new Set<string>();
  const pending = [entry];
  const specifiers =
    /(?:from\s+|import\s*\(?\s*)'(\.\.?\/[^']+)'|new URL\('(\.\.?\/[^']*)',\s*import\.meta\.url\)/g;
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (needed.has(file)) continue;
    needed.add(file);
    const full = join(ROOT, file);
    if (statSync(full).isDirectory()) {
      for (const child of readdirSync(full, { recursive: true, encoding: 'utf8' }))
        if (/\.ts$/.test(child) && !/\.test\.ts$/.test(child)) pending.push(posix.join(file, child));
      continue;
    }
    if (!file.endsWith('.ts')) continue;
    for (const m of readFileSync(full, 'utf8').matchAll(specifiers)) {
      const target = relative(ROOT, normalize(join(dirname(full), (m[1] ?? m[2])!)));
      if (!existsSync(join(ROOT, target)))
        throw new Error(`${file} imports ${m[1] ?? m[2]}, which does not exist`);
      pending.push(target.split('\\').join('/') || '.');
    }
  }
  return needed;
}

/** Repo paths the Dockerfile copies into WORKDIR, each to the same relative place. */
function dockerCopies(): string[] {
  const copies: string[] = [];
  for (const line of dockerfile.split('\n')) {
    const m = /^COPY\s+(?!--from)(.+)$/.exec(line.trim());
    if (!m) continue;
    const parts = m[1]!.split(/\s+/).filter((p) => !p.startsWith('--'));
    const dest = parts.pop()!;
    for (const src of parts) {
      const clean = posix.normalize(src).replace(/\/$/, '');
      const into = dest.endsWith('/') || parts.length > 1 ? posix.join(dest, posix.basename(clean)) : dest;
      // Only a copy that keeps the repo layout makes the relative imports resolve in the image.
      if (posix.normalize(into) === clean) copies.push(clean);
    }
  }
  return copies;
}

/** `.dockerignore` patterns as regexes (the subset used: names, `*`, `**`). */
const ignored = dockerignore
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'))
  .map((pattern) => {
    const part = (p: string) =>
      p
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]');
    const body = pattern.replace(/^\//, '').split('**/').map(part).join('(?:.*/)?');
    return new RegExp(`^${body}(?:/.*)?$`);
  });

describe('docker-compose.yml', () => {
  it('runs InfluxDB 2.7 set up on first start, and broker, ingest and dashboard as separate services', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['influxdb', 'broker', 'ingest', 'dashboard', 'simulator']),
    );
    const influx = service('influxdb');
    expect(influx.image).toBe('influxdb:2.7');
    const init = rawEnv('influxdb');
    expect(init.DOCKER_INFLUXDB_INIT_MODE).toBe('setup');
    for (const key of ['USERNAME', 'PASSWORD', 'ORG', 'BUCKET', 'ADMIN_TOKEN'])
      expect(init[`DOCKER_INFLUXDB_INIT_${key}`], `DOCKER_INFLUXDB_INIT_${key}`).toBeTruthy();
    const entries = ['broker', 'ingest', 'dashboard'].map(sourceEntry);
    expect(new Set(entries).size).toBe(3);
    expect(entries).toEqual(['broker/main.ts', 'ingest/main.ts', 'dashboard/main.ts']);
  });

  it('starts the simulator only with the `sim` profile', () => {
    expect(service('simulator').profiles).toEqual(['sim']);
    for (const name of ['influxdb', 'broker', 'ingest', 'dashboard'])
      expect(service(name).profiles, name).toBeUndefined();
  });

  it.each(Object.keys(APP_SERVICES))(
    'gives %s only environment variables its config schema reads',
    (name) => {
      const known = Object.keys(APP_SERVICES[name]!.schema.shape);
      const unknown = Object.keys(rawEnv(name)).filter((key) => !known.includes(key));
      expect(unknown, `${name} sets variables its config ignores`).toEqual([]);
    },
  );

  it.each(Object.keys(APP_SERVICES))('gives %s an environment its own loadConfig accepts', (name) => {
    expect(() => APP_SERVICES[name]!.load(resolvedEnv(name))).not.toThrow();
  });

  it('refuses to start without the secrets in .env rather than run with empty ones', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(rawEnv(name))) {
        for (const v of variables(value))
          expect(v.kind, `${name}.${key} interpolates \${${v.name}} with neither default nor :?`).not.toBe(
            'plain',
          );
      }
      expect(svc).toBeDefined();
    }
    for (const name of Object.keys(SAMPLE_DOTENV)) {
      const without = { ...SAMPLE_DOTENV, [name]: undefined };
      const users = Object.keys(compose.services).filter((s) =>
        Object.values(rawEnv(s)).some((v) => variables(v).some((x) => x.name === name)),
      );
      expect(users, `${name} is used by some service`).not.toEqual([]);
      for (const s of users) expect(() => resolvedEnv(s, without), `${s} without ${name}`).toThrow(name);
    }
  });

  it('publishes exactly the ports the services are configured to listen on', () => {
    const broker = loadBrokerConfig(resolvedEnv('broker'));
    expect(containerPorts('broker').sort()).toEqual([broker.MQTT_PORT, broker.MQTT_WS_PORT].sort());
    const dashboard = loadDashboardConfig(resolvedEnv('dashboard'));
    expect(containerPorts('dashboard')).toEqual([dashboard.HTTP_PORT]);
    expect(containerPorts('influxdb')).toEqual([8086]);
    expect(containerPorts('ingest')).toEqual([]);
    const health = service('dashboard').healthcheck?.test;
    expect(JSON.stringify(health)).toContain(`127.0.0.1:${dashboard.HTTP_PORT}/healthz`);
  });

  it('exposes the ops servers of broker and ingest (OPS_PORT) to the compose network and probes their /healthz', () => {
    const opsPorts = {
      broker: loadBrokerConfig(resolvedEnv('broker')).OPS_PORT,
      ingest: loadConfig(ingestEnvSchema, resolvedEnv('ingest'), 'ingest').OPS_PORT,
    };
    for (const [name, port] of Object.entries(opsPorts)) {
      expect(port, name).toBeGreaterThan(0);
      expect((service(name).expose ?? []).map(Number), name).toEqual([port]);
      expect(JSON.stringify(service(name).healthcheck?.test), name).toContain(`127.0.0.1:${port}/healthz`);
    }
  });

  it('points every MQTT client at the broker service and its MQTT port', () => {
    const { MQTT_PORT } = loadBrokerConfig(resolvedEnv('broker'));
    for (const name of ['ingest', 'dashboard', 'simulator']) {
      const url = new URL(resolvedEnv(name).MQTT_URL!);
      expect(`${url.protocol}//${url.hostname}:${url.port || 1883}`, name).toBe(`mqtt://broker:${MQTT_PORT}`);
    }
  });

  it('points the simulator at the dashboard service and its HTTP port', () => {
    const { HTTP_PORT } = loadDashboardConfig(resolvedEnv('dashboard'));
    const url = new URL(resolvedEnv('simulator').SIM_API_URL!);
    expect(`${url.hostname}:${url.port}`).toBe(`dashboard:${HTTP_PORT}`);
  });

  it('points ingest and dashboard at the InfluxDB service with the org, bucket and token it was set up with', () => {
    const init = rawEnv('influxdb');
    const tokenVars = (value: string | undefined) => variables(value ?? '').map((v) => v.name);
    for (const name of ['ingest', 'dashboard']) {
      const env = rawEnv(name);
      const url = new URL(resolvedEnv(name).INFLUX_URL!);
      expect(`${url.hostname}:${url.port}`, name).toBe('influxdb:8086');
      expect(env.INFLUX_ORG, name).toBe(init.DOCKER_INFLUXDB_INIT_ORG);
      expect(env.INFLUX_BUCKET, name).toBe(init.DOCKER_INFLUXDB_INIT_BUCKET);
      expect(tokenVars(env.INFLUX_TOKEN), name).toEqual(tokenVars(init.DOCKER_INFLUXDB_INIT_ADMIN_TOKEN));
      expect(tokenVars(env.INFLUX_TOKEN), name).toHaveLength(1);
    }
  });

  it('gives ingest and dashboard the MQTT service secret the broker checks', () => {
    const brokerVars = variables(rawEnv('broker').MQTT_SERVICE_SECRET ?? '').map((v) => v.name);
    expect(brokerVars).toHaveLength(1);
    for (const name of ['ingest', 'dashboard'])
      expect(
        variables(rawEnv(name).MQTT_SERVICE_SECRET ?? '').map((v) => v.name),
        name,
      ).toEqual(brokerVars);
  });

  it('depends only on services that exist', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      const targets = Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on ?? {});
      for (const target of targets)
        expect(Object.keys(compose.services), `${name} -> ${target}`).toContain(target);
      if (!Array.isArray(svc.depends_on))
        for (const [target, { condition }] of Object.entries(svc.depends_on ?? {}))
          if (condition === 'service_healthy')
            expect(service(target).healthcheck, `${name} waits for ${target} to be healthy`).toBeDefined();
    }
  });

  it('runs the bundle of an entry that exists, from the image the Dockerfile builds', () => {
    for (const name of Object.keys(APP_SERVICES)) {
      const svc = service(name);
      expect(svc.build, name).toBe('.');
      expect(commandArgs(name)[0], name).toBe('node');
      expect(commandArgs(name), name).not.toContain('tsx');
      expect(entryFiles(name), name).toHaveLength(1);
      expect(existsSync(join(ROOT, sourceEntry(name))), name).toBe(true);
      // The flags the benchmark measured the service with (shared/service-bundles.ts).
      expect(commandArgs(name).slice(1, -1), name).toEqual(SERVICE_NODE_FLAGS[sourceEntry(name)]);
    }
  });

  it('declares the named volumes it mounts', () => {
    for (const [name, svc] of Object.entries(compose.services))
      for (const v of svc.volumes ?? []) {
        const source = typeof v === 'string' ? v.split(':')[0]! : undefined;
        if (source && !source.startsWith('.') && !source.startsWith('/'))
          expect(Object.keys(compose.volumes ?? {}), `${name} mounts ${source}`).toContain(source);
      }
  });
});

describe('Dockerfile', () => {
  const copies = dockerCopies();
  const isCopied = (file: string) => copies.some((c) => file === c || file.startsWith(`${c}/`));
  const isIgnored = (file: string) => ignored.some((re) => re.test(file));

  it.each(Object.keys(APP_SERVICES))(
    'copies every file the %s command imports, keeping the layout',
    (name) => {
      const needed = [...runtimeFiles(sourceEntry(name)), 'package.json', 'package-lock.json'];
      expect(
        needed.filter((f) => !isCopied(f)),
        'not copied',
      ).toEqual([]);
      expect(needed.filter(isIgnored), 'excluded by .dockerignore').toEqual([]);
    },
  );

  it('builds the service bundles after copying the sources, and runs the bundle by default', () => {
    const lines = dockerfile.split('\n').map((l) => l.trim());
    const build = lines.indexOf('RUN npm run build');
    expect(build, 'RUN npm run build').toBeGreaterThan(0);
    expect(
      lines.slice(build).some((l) => l.startsWith('COPY ')),
      'no COPY after the build',
    ).toBe(false);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/main\.mjs"\]$/m);
    expect(dockerignore, 'a local dist/ is not copied into the image').toMatch(/^dist$/m);
  });

  it('installs the runtime dependencies, tsx and esbuild among them, and runs as an unprivileged user', () => {
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    // tsx runs `npm run build`; esbuild bundles the services and, at run time, the dashboard's UI.
    expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(['tsx', 'esbuild']));
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('lets the unprivileged user write to the data volumes mounted into the app', () => {
    // A named volume takes the owner of the image's folder it is mounted on; without that folder
    // it is root's, and the dashboard (USER node) cannot save registry.json.
    for (const name of Object.keys(APP_SERVICES))
      for (const v of service(name).volumes ?? []) {
        const target = typeof v === 'string' ? v.split(':')[1]! : v.target;
        expect(dockerfile, `${name} mounts ${target}`).toMatch(
          new RegExp(`mkdir -p [^\\n]*${target.replace(/[/.]/g, '\\$&')}[^\\n]*&& chown[^\\n]*node`),
        );
      }
  });
});
