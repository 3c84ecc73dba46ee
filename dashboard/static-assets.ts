/**
 * The browser UI (dashboard/web/), served by the dashboard itself: index.html, styles.css and
 * `/assets/app.js`, an esbuild bundle of web/main.ts built in memory once per process at start.
 * chart.js and socket.io-client come from npm inside that bundle, never from a CDN (the CSP
 * allows scripts from 'self' only). A missing or broken UI is reported on the page instead of
 * crashing the server, so the API stays up.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import type { Logger } from '../shared/log.ts';
import { packageRoot } from '../shared/package-root.ts';

export const WEB_DIR = join(packageRoot(import.meta.url), 'dashboard/web/');

export interface StaticAssets {
  /** null when the UI could not be built; `problem` says why. */
  indexHtml: string | null;
  appJs: string | null;
  stylesCss: string | null;
  problem: string | null;
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

/** One build per process (and per web dir and mode): several dashboards in one process share it. */
const builds = new Map<string, Promise<StaticAssets>>();

/**
 * @example const assets = await buildStaticAssets({ production: false, logger }); assets.appJs?.length
 */
export function buildStaticAssets(options: {
  production: boolean;
  logger: Logger;
  webDir?: string;
}): Promise<StaticAssets> {
  const webDir = options.webDir ?? WEB_DIR;
  const key = `${webDir}|${options.production}`;
  let build = builds.get(key);
  if (!build) {
    build = buildOnce(webDir, options);
    builds.set(key, build);
  }
  return build;
}

async function buildOnce(
  webDir: string,
  options: { production: boolean; logger: Logger },
): Promise<StaticAssets> {
  const entry = `${webDir}main.ts`;
  const [indexHtml, stylesCss] = await Promise.all([
    readOptional(`${webDir}index.html`),
    readOptional(`${webDir}styles.css`),
  ]);
  if (!existsSync(entry)) {
    const problem = `${entry} does not exist yet`;
    options.logger.warn(problem + '; the UI is not available');
    return { indexHtml, appJs: null, stylesCss, problem };
  }
  try {
    const result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      format: 'esm',
      target: 'es2022',
      platform: 'browser',
      minify: options.production,
      sourcemap: options.production ? false : 'inline',
      write: false,
      logLevel: 'silent',
      define: { 'process.env.NODE_ENV': JSON.stringify(options.production ? 'production' : 'development') },
    });
    const appJs = result.outputFiles[0]?.text ?? null;
    options.logger.info({ bytes: appJs?.length ?? 0 }, 'UI bundle built');
    return { indexHtml, appJs, stylesCss, problem: indexHtml ? null : `${webDir}index.html is missing` };
  } catch (err) {
    const problem = `the UI bundle failed to build: ${(err as Error).message}`;
    options.logger.error({ err }, 'UI bundle failed to build');
    return { indexHtml, appJs: null, stylesCss, problem };
  }
}

/** The page served at `/` when the UI is not available: says so in Indonesian first, then English. */
export function unavailablePage(problem: string, showDetail: boolean): string {
  const detail = showDetail
    ? `<pre>${escapeHtml(problem)}</pre>`
    : '<p>Lihat log server. / See the server log.</p>';
  return `<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>JagaJarak</title></head>
<body><h1>Tampilan dasbor belum tersedia</h1><p>The dashboard UI is not available.</p>${detail}
<p>API: <code>/api/sites</code>, <code>/healthz</code></p></body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
