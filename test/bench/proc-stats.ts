/**
 * CPU time and memory of a process, read from /proc (Linux): user + system CPU seconds from
 * `/proc/<pid>/stat` (fields 14 and 15, in clock ticks) and resident memory from
 * `/proc/<pid>/status` (VmRSS now, VmHWM = the peak since the process started).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second; 100 on every Linux this runs on (`getconf CLK_TCK`). */
const CLK_TCK = 100;

export interface ProcSample {
  cpuS: number;
  rssBytes: number;
  peakRssBytes: number;
}

/** @example procSample(process.pid) // { cpuS: 1.23, rssBytes: 80_000_000, peakRssBytes: 95_000_000 } */
export function procSample(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; fields after it are counted from its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { cpuS, rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/** Pids whose command line contains every one of `parts` (e.g. the influxd of one data dir). */
export function findPids(...parts: string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (parts.every((p) => cmdline.includes(p))) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}
