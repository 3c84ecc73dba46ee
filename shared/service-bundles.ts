/**
 * The services as deployed: each entry bundled by esbuild into one ES module under dist/, run by
 * plain `node` (Dockerfile, docker-compose.yml, `npm run bench`). Development and tests run the
 * TypeScript directly under tsx; production does not, because tsx's loader runs on a thread of
 * its own with its own V8 heap: about 30 MiB of RSS per process (issue #5: broker and ingest
 * together under 400 MB at 10,000 devices). npm packages stay external (resolved from
 * node_modules at run time), so a bundle holds only this repository's code, and a stack trace
 * names the same packages as in development.
 *
 * `npm run build` runs this file.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { packageRoot } from './package-root.ts';

/** Every entry that runs as a process of its own in production, relative to the package root. */
export const SERVICE_ENTRIES = [
  'main.ts',
  'broker/main.ts',
  'ingest/main.ts',
  'dashboard/main.ts',
  'firmware-sim/main.ts',
] as const;
export type ServiceEntry = (typeof SERVICE_ENTRIES)[number];

const OUT_DIR = 'dist';

/**
 * Node flags a service runs with in production (docker-compose.yml `command`, `npm run bench`).
 * Ingest allocates per message and keeps little (its live heap is ~40 MiB): V8's default young
 * generation (two 16 MiB semi-spaces, all of it touched under load) is a quarter of its RSS, so
 * it runs with 2 MiB semi-spaces (measured: about 30 MiB less RSS at 10,000 devices).
 * The broker keeps ~10 KiB per connection and allocates per packet: 8 MiB semi-spaces (1 MiB
 * cost it 70 % more CPU, session 3). Measured at 10,000 devices (test/bench/README.md, session
 * 4): broker + ingest RSS at connected 362-394 MiB over six runs (376-417 without), CPU per
 * message unchanged within run-to-run noise. `--heap-growing-percent=50` would take another
 * ~30 MiB (336-353) but keeps V8 marking almost constantly: broker CPU per message +30 % and
 * publish -> dashboard p99 0.3 -> 1-2 s at 4,000 msg/s, so it is not used. Returning a connect
 * burst's garbage heap with forced collections (session 5, test/bench/README.md) took another
 * ~60 MiB but doubled p99 at 1,000 msg/s, so it is not used either.
 */
export const SERVICE_NODE_FLAGS: Record<ServiceEntry, readonly string[]> = {
  'main.ts': [],
  'broker/main.ts': ['--max-semi-space-size=8'],
  'ingest/main.ts': ['--max-semi-space-size=2'],
  'dashboard/main.ts': [],
  'firmware-sim/main.ts': [],
};

/**
 * The bundle of a source entry, relative to the package root.
 * @example bundleOf('broker/main.ts') // 'dist/broker/main.mjs'
 */
export const bundleOf = (entry: ServiceEntry): string => join(OUT_DIR, entry.replace(/\.ts$/, '.mjs'));

/** The source entry a bundle is built from, or undefined if `bundle` is not one of ours. */
export const entryOf = (bundle: string): ServiceEntry | undefined =>
  SERVICE_ENTRIES.find((entry) => bundleOf(entry) === bundle);

/**
 * Builds every service bundle into `<root>/dist` (about a second). Resolves with the files written.
 * @example
 * await bundleServices(); // dist/broker/main.mjs, dist/ingest/main.mjs, ...
 */
export async function bundleServices(root = packageRoot(import.meta.url)): Promise<string[]> {
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: [...SERVICE_ENTRIES],
    outbase: '.',
    outdir: OUT_DIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  return SERVICE_ENTRIES.map(bundleOf);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  bundleServices().then(
    (files) =>
      process.stdout.write(
        `built ${files.length} service bundles (${files.join(', ')}) in ${Math.round(performance.now() - started)} ms\n`,
      ),
    (err: unknown) => {
      process.stderr.write(`build failed: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
