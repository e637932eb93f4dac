/**
 * What a lifecycle script leaves running when it exits: found by its process group, given a moment to
 * finish (a `tee` flushing its last lines), then killed, since its effects would race the test.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const LEFTOVER_GRACE_MS = 100;

/**
 * Whether a process group has members that still run. Zombies do not count: a `tee` the script started
 * has exited but waits for init to reap it, which can take a second. Without /proc, any member counts.
 */
function groupHasLiveMembers(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  if (!existsSync('/proc/self/stat')) {
    return true;
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
    const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(group) === pgid && state !== 'Z' && state !== 'X') {
      return true;
    }
  }
  return false;
}

/** Kills what is left of a script's process group after a short grace. Returns whether anything was left. */
export function killGroup(pid: number | undefined): boolean {
  if (pid === undefined || pid <= 0) {
    return false;
  }
  const alive = () => groupHasLiveMembers(pid);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + LEFTOVER_GRACE_MS;
  while (alive()) {
    if (Date.now() >= deadline) {
      break;
    }
    Atomics.wait(pause, 0, 0, 5);
  }
  if (!alive()) {
    return false;
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Gone meanwhile.
  }
  return true;
}
