import { describe, expect, inject, it } from 'vitest';
import { influxQuery, testDatabase } from './influxd.ts';

describe('test InfluxDB', () => {
  it('accepts v1 writes and answers InfluxQL', async () => {
    const url = inject('influxUrl');
    const db = testDatabase();
    await fetch(`${url}/query?q=${encodeURIComponent(`CREATE DATABASE ${db}`)}`, { method: 'POST' });
    const write = await fetch(`${url}/write?db=${db}&precision=ms`, {
      method: 'POST',
      body: 'm,site=a v=1 1764313200000',
    });
    expect(write.status).toBe(204);
    const rows = await influxQuery(url, db, 'SELECT v FROM m');
    expect(rows).toEqual([{ time: 1764313200000, v: 1 }]);
  });
});
