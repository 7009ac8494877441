// Engine/runs: who owns a live run (pid, host, process token) and whether that owner is still alive.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { z } from 'zod';
import { RunStatusSchema } from '../../../shared/run.js';

/**
 * A token for this process incarnation, shared by its worker threads through the environment they copy.
 * It tells a run left behind by an earlier process that happened to get our pid (common in containers,
 * where an app restarts with the same small pid) from a run this process is training right now.
 */
const TOKEN_ENV = 'FMW_RUN_OWNER_TOKEN';
function processToken(): string {
  const inherited = process.env[TOKEN_ENV];
  if (inherited?.startsWith(`${process.pid}:`)) return inherited;
  const token = `${process.pid}:${randomBytes(8).toString('hex')}`;
  process.env[TOKEN_ENV] = token;
  return token;
}
export const OWNER_TOKEN = processToken();

export const StatusFileSchema = z.object({
  status: RunStatusSchema,
  pid: z.number().int(),
  host: z.string(),
  updatedAt: z.string(),
  owner: z.string().optional(),
  reason: z.string().optional(),
});
export type StatusFile = z.infer<typeof StatusFileSchema>;

export function ownStatus(status: StatusFile['status'], reason?: string, host: string = os.hostname()): StatusFile {
  return { status, pid: process.pid, host, updatedAt: new Date().toISOString(), owner: OWNER_TOKEN, ...(reason ? { reason } : {}) };
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A killed process stays a zombie until its parent reaps it, and in a container whose pid 1 reaps nothing that is
 * forever; kill(pid, 0) still succeeds on it. Linux's /proc tells (state Z); elsewhere assume it is not one.
 */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

export interface Liveness {
  hostname: string;
  /** A run on another host counts as dead when its status has not been refreshed for this long. */
  staleMs: number;
  now: number;
}

/** Why the owner of a queued/running run is gone, or null while it may still be working on it. */
export function deadOwnerReason(s: StatusFile, live: Liveness): string | null {
  if (s.host !== live.hostname) {
    const age = live.now - Date.parse(s.updatedAt);
    if (Number.isNaN(age) || age > live.staleMs) {
      return `interrupted: process ${s.pid} on host ${s.host} has not updated it since ${s.updatedAt}`;
    }
    return null;
  }
  if (s.pid === process.pid) {
    if (s.owner === undefined || s.owner === OWNER_TOKEN) return null;
    return `interrupted: an earlier process with pid ${s.pid} stopped without finishing it`;
  }
  return pidAlive(s.pid) ? null : `interrupted: process ${s.pid} stopped without finishing it (killed or crashed)`;
}
