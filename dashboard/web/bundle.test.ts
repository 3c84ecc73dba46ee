/**
 * The browser bundle as the dashboard server builds it (esbuild: bundle, esm, es2022) and the
 * page that loads it, checked against the CSP the server sends (scripts and styles from 'self'
 * only): no CDN, no inline script or style, no eval, no server-only module in the bundle.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('./main.ts', import.meta.url));
const html = readFileSync(new URL('./index.html', import.meta.url), 'utf8');
const css = readFileSync(new URL('./styles.css', import.meta.url), 'utf8');

describe('browser bundle', () => {
  let code = '';
  let inputs: string[] = [];

  beforeAll(async () => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      format: 'esm',
      target: 'es2022',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    code = result.outputFiles[0]!.text;
    inputs = Object.keys(result.metafile.inputs);
  });

  it('bundles chart.js and socket.io-client instead of loading them from a CDN', () => {
    expect(inputs.some((p) => p.includes('node_modules/chart.js/'))).toBe(true);
    expect(inputs.some((p) => p.includes('node_modules/socket.io-client/'))).toBe(true);
    expect(code).not.toMatch(/\bimport\s*(?:\(|[^;]*?\bfrom\s*)["']https?:\/\//);
    expect(code).not.toMatch(/https?:\/\/(?:cdn\.|unpkg\.com|cdnjs\.|esm\.sh|ga\.jspm\.io|skypack)/i);
    expect(code).not.toMatch(/\.src\s*=\s*["']https?:\/\//);
  });

  it('uses nothing a script-src self CSP forbids', () => {
    expect(code).not.toMatch(/\beval\(/);
    expect(code).not.toMatch(/\bnew Function\(/);
    expect(code).not.toMatch(/setAttribute\(\s*["']style["']/);
  });

  it('pulls in no server-side module (zod, pino, node built-ins)', () => {
    const serverOnly = inputs.filter(
      (p) => /node_modules\/(zod|pino|mqtt|aedes|hono)\//.test(p) || p.startsWith('node:'),
    );
    expect(serverOnly).toEqual([]);
  });
});

describe('index.html', () => {
  it('loads the bundle and the stylesheet from the same origin only', () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]![1]).toContain('src="/assets/app.js"');
    expect(scripts[0]![1]).toContain('type="module"');
    expect(scripts[0]![2]!.trim()).toBe('');
    const links = [...html.matchAll(/<link\b[^>]*href="([^"]+)"/g)].map((m) => m[1]);
    // The empty data: icon stops a /favicon.ico 404 (the server's CSP allows data: images).
    expect(links).toEqual(['data:,', '/assets/styles.css']);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('has no inline style attribute, style element or inline event handler', () => {
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  it('carries the stable test hooks the browser tests rely on', () => {
    for (const id of [
      'login-form',
      'site-list',
      'site-detail',
      'history-chart',
      'conn-state',
      'count-critical',
      'count-warning',
      'count-ok',
      'search',
      'filter-kind',
      'filter-level',
      'lang-toggle',
      'nav-overview',
      'nav-alarms',
      'nav-admin',
      'alarm-count',
      'critical-toast',
      'sound-toggle',
      'notify-permission',
      'alarm-list',
      'alarms-view',
      'admin-view',
      'detail-alarms',
      'corrections',
      'nav-map',
      'map-view',
      'map',
      'map-online',
      'temperature-chart',
      'site-not-found',
    ]) {
      expect(html, id).toContain(`data-testid="${id}"`);
    }
  });

  it('gives every form control a label', () => {
    const controls = [...html.matchAll(/<(?:input|select)\b[^>]*\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(controls.length).toBeGreaterThan(0);
    for (const id of controls) expect(html, id).toContain(`<label for="${id}"`);
  });

  it('announces the connection state to screen readers', () => {
    expect(html).toMatch(/data-testid="conn-state"[^>]*aria-live="polite"/);
  });

  it('keeps the alarm badge inside the alarms navigation button', () => {
    expect(html).toMatch(/data-testid="nav-alarms"[^>]*>[\s\S]*?data-testid="alarm-count"[\s\S]*?<\/button>/);
  });

  it('ships a stylesheet that imports nothing from elsewhere', () => {
    expect(css).not.toMatch(/@import|url\(\s*["']?https?:/i);
  });
});
