/**
 * Get-or-create helpers for prom-client metrics on an injected `Registry`.
 *
 * Why: every factory takes `deps.metrics` (a prom-client Registry) and `npm start` runs broker,
 * ingest, dashboard and the store in one process sharing one registry. prom-client throws
 * "A metric with the name ... has already been registered" on a second registration, so a
 * factory created twice (tests, or two services using the same store) would crash. These helpers
 * return the metric already registered under that name instead, and throw only when the existing
 * one is of another type or has other labels (a real naming clash worth failing on).
 *
 * @example
 * import { Registry } from 'prom-client';
 * import { counter, gauge, histogram } from '../shared/metrics.ts';
 * const registry = new Registry();
 * const rejected = counter(registry, 'jagajarak_ingest_messages_rejected_total', 'Rejected messages', ['reason']);
 * rejected.inc({ reason: 'schema' });
 * const pending = gauge(registry, 'jagajarak_store_pending_points', 'Points not yet stored');
 * pending.set(12);
 * const took = histogram(registry, 'jagajarak_store_write_duration_seconds', 'Write duration', [], [0.01, 0.1, 1]);
 * took.observe(0.05);
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

type Ctor<M> = new (...args: never[]) => M;

function existing<M>(
  registry: Registry,
  name: string,
  type: Ctor<M>,
  labelNames: readonly string[],
): M | undefined {
  const found = registry.getSingleMetric(name);
  if (!found) return undefined;
  if (!(found instanceof type))
    throw new Error(`Metric '${name}' is already registered with another type than ${type.name}`);
  const have = [...(((found as unknown as { labelNames?: string[] }).labelNames ?? []) as string[])].sort();
  const want = [...labelNames].sort();
  if (have.join(',') !== want.join(','))
    throw new Error(
      `Metric '${name}' is already registered with labels [${have.join(', ')}], not [${want.join(', ')}]`,
    );
  return found as M;
}

/** A counter registered on `registry`, or the one already there under `name`. */
export function counter<L extends string = string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[] = [],
): Counter<L> {
  return (
    existing(registry, name, Counter<L>, labelNames) ??
    new Counter<L>({ name, help, labelNames, registers: [registry] })
  );
}

/** A gauge registered on `registry`, or the one already there under `name`. */
export function gauge<L extends string = string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[] = [],
): Gauge<L> {
  return (
    existing(registry, name, Gauge<L>, labelNames) ??
    new Gauge<L>({ name, help, labelNames, registers: [registry] })
  );
}

/**
 * A histogram registered on `registry`, or the one already there under `name`. `buckets` default
 * to prom-client's (5 ms .. 10 s), which suit request and write durations in seconds.
 */
export function histogram<L extends string = string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[] = [],
  buckets?: number[],
): Histogram<L> {
  return (
    existing(registry, name, Histogram<L>, labelNames) ??
    new Histogram<L>({ name, help, labelNames, registers: [registry], ...(buckets ? { buckets } : {}) })
  );
}
