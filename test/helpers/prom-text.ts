/**
 * Reading a Prometheus text exposition in tests (/metrics of the dashboard and the ops servers).
 * Not a test file itself.
 */

/** `name{a="x",b="y"}` -> value, for every sample of a Prometheus text exposition. */
export function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = (m[2] ?? '')
      .slice(1, -1)
      .split(/,(?=[a-zA-Z_]\w*=")/)
      .filter(Boolean)
      .sort()
      .join(',');
    samples.set(labels ? `${m[1]}{${labels}}` : m[1]!, Number(m[3]));
  }
  return samples;
}

/** The sample of `name` with exactly these labels (order free), or undefined. */
export function sample(samples: Map<string, number>, name: string, labels: Record<string, string> = {}) {
  const key = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  return samples.get(key ? `${name}{${key}}` : name);
}

/** Every `# TYPE` family of the exposition. */
export const families = (text: string) => new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
