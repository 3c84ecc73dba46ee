/**
 * The folder holding this project's package.json, found from any module of it. Files read at run
 * time (the dashboard's web sources, package.json) are located from here rather than relative to
 * the calling module, because a module runs both from its source (tsx) and from a bundle under
 * dist/ (shared/service-bundles.ts), which sit at different depths.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'jagajarak';

/**
 * @example
 * const webDir = join(packageRoot(import.meta.url), 'dashboard/web');
 */
export function packageRoot(moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME
    )
      return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`no package.json of ${PACKAGE_NAME} above ${fileURLToPath(moduleUrl)}`);
    dir = parent;
  }
}
