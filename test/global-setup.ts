/**
 * One real InfluxDB for the whole test run (each test uses its own database). Tests read its
 * URL with `inject('influxUrl')`.
 */
import type { TestProject } from 'vitest/node';
import { type InfluxdHandle, startInfluxd } from './helpers/influxd.ts';

let influx: InfluxdHandle | undefined;

export async function setup(project: TestProject): Promise<void> {
  influx = await startInfluxd();
  project.provide('influxUrl', influx.url);
}

export async function teardown(): Promise<void> {
  await influx?.dispose();
}

declare module 'vitest' {
  export interface ProvidedContext {
    influxUrl: string;
  }
}
