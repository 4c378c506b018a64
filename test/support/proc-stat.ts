import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;
/** Page size of /proc/<pid>/statm counts (4 KiB on x86_64 and arm64 Linux). */
const PAGE_BYTES = 4096;

/** User + system CPU seconds of one process, from /proc (Linux); NaN when it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    return cpuOf(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return NaN;
  }
}

/** Resident set size of one process in bytes, from /proc/<pid>/statm (Linux); NaN when it is gone. */
export function processRssBytes(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE_BYTES;
  } catch {
    return NaN;
  }
}

/**
 * User + system CPU seconds of the processes with this command name, including children they have
 * reaped: PostgreSQL's postmaster reaps its backends, so connections that come and go still count.
 */
export function commandCpuSeconds(command: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === command) {
        total += cpuOf(stat, true);
      }
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return total;
}

function cpuOf(stat: string, withReapedChildren = false): number {
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15,
  // cutime 16, cstime 17.
  const f = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  return (f[11] + f[12] + (withReapedChildren ? f[13] + f[14] : 0)) / TICKS_PER_SECOND;
}
