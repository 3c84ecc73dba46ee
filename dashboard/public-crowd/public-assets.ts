/**
 * The public crowd guide's page (dashboard/web/public/): its own small esbuild bundle, separate
 * from the operator screen's, so a visitor on a phone downloads neither chart.js nor
 * socket.io-client nor a single operator string. Built in memory once per process, like
 * static-assets.ts; a missing or broken page is reported, never crashes the server.
 */
import { readFile } from 'node:fs/promises';
import * as esbuild from 'esbuild';
import type { Logger } from '../../shared/log.ts';
import { WEB_DIR } from '../static-assets.ts';

export const PUBLIC_WEB_DIR = `${WEB_DIR}public/`;

export interface PublicAssets {
  html: string | null;
  js: string | null;
  css: string | null;
  problem: string | null;
}

const builds = new Map<string, Promise<PublicAssets>>();

/** @example const assets = await buildPublicAssets({ production: false, logger }); assets.js?.length */
export function buildPublicAssets(options: { production: boolean; logger: Logger }): Promise<PublicAssets> {
  const key = String(options.production);
  let build = builds.get(key);
  if (!build) {
    build = buildOnce(options);
    builds.set(key, build);
  }
  return build;
}

async function buildOnce(options: { production: boolean; logger: Logger }): Promise<PublicAssets> {
  const read = (name: string) => readFile(`${PUBLIC_WEB_DIR}${name}`, 'utf8').catch(() => null);
  const [html, css] = await Promise.all([read('index.html'), read('public.css')]);
  try {
    const result = await esbuild.build({
      entryPoints: [`${PUBLIC_WEB_DIR}main.ts`],
      bundle: true,
      format: 'esm',
      target: 'es2020',
      platform: 'browser',
      minify: options.production,
      sourcemap: options.production ? false : 'inline',
      write: false,
      logLevel: 'silent',
    });
    const js = result.outputFiles[0]?.text ?? null;
    options.logger.info({ bytes: js?.length ?? 0 }, 'public crowd guide bundle built');
    return { html, js, css, problem: html ? null : `${PUBLIC_WEB_DIR}index.html is missing` };
  } catch (err) {
    options.logger.error({ err }, 'public crowd guide bundle failed to build');
    return { html, js: null, css, problem: `the public page failed to build: ${(err as Error).message}` };
  }
}
