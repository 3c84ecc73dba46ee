import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { counter, gauge, histogram } from './metrics.ts';

describe('metrics helpers', () => {
  it('return the metric already registered under a name instead of throwing', async () => {
    const registry = new Registry();
    const first = counter(registry, 'x_total', 'help', ['reason']);
    const second = counter(registry, 'x_total', 'help', ['reason']);
    expect(second).toBe(first);
    second.inc({ reason: 'a' });
    expect(await registry.getMetricsAsJSON()).toHaveLength(1);
    expect((await first.get()).values[0]?.value).toBe(1);
    expect(gauge(registry, 'g', 'help')).toBe(gauge(registry, 'g', 'help'));
    expect(histogram(registry, 'h_seconds', 'help', [], [1])).toBe(histogram(registry, 'h_seconds', 'help'));
  });

  it('throw when a name is reused with another type or other labels', () => {
    const registry = new Registry();
    counter(registry, 'x_total', 'help', ['reason']);
    expect(() => gauge(registry, 'x_total', 'help', ['reason'])).toThrow(/another type/);
    expect(() => counter(registry, 'x_total', 'help', [])).toThrow(/labels \[reason\]/);
  });

  it('keep registries separate', () => {
    const a = counter(new Registry(), 'x_total', 'help');
    const b = counter(new Registry(), 'x_total', 'help');
    expect(a).not.toBe(b);
  });
});
