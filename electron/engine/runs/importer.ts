// Engine/runs: bringing an exported run archive into the store, and sweeping what crashed writers left behind.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RunConfigSchema, RunStatusSchema, type RunConfig } from '../../../shared/run.js';
import { TEMP_MARKER, fsyncDir, isTempName, writeFileAtomic } from './atomic.js';
import { inspectArchive, unpackArchive } from './archive.js';
import { StoreError, describe, errnoCode } from './errors.js';
import { CONFIG, EVENTS, META, MODEL_DIR, RunMetaSchema, STATUS, parseLog, readJson } from './files.js';
import { CHECKPOINT_DIR } from './checkpoint.js';
import { StatusFileSchema, pidAlive } from './owner.js';

const IMPORT_PREFIX = `.import-${process.pid}-`;

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(() => true, () => false);
}

/** An imported run cannot still be training here: unless it ended, it is interrupted. */
async function settleStatus(dir: string, hostname: string): Promise<void> {
  const { value } = await readJson(path.join(dir, STATUS), StatusFileSchema, true);
  const text = await fs.readFile(path.join(dir, EVENTS), 'utf8').catch(() => '');
  const end = parseLog(text).events.filter((e) => e.type === 'trainEnd').pop();
  const updatedAt = new Date().toISOString();
  if (end && end.type === 'trainEnd') {
    if (value?.status === end.status) return;
    const base = value ?? { pid: 0, host: hostname };
    await writeFileAtomic(path.join(dir, STATUS), JSON.stringify({ ...base, status: end.status, reason: end.reason, updatedAt }));
  } else if (!value || value.status === 'queued' || value.status === 'running') {
    const where = value ? `${value.status} on host ${value.host}` : 'without a readable status.json';
    const reason = `interrupted: imported while ${where}; it cannot continue training here`;
    await writeFileAtomic(path.join(dir, STATUS), JSON.stringify({ pid: 0, host: hostname, ...value, status: RunStatusSchema.parse('interrupted'), reason, updatedAt }));
  }
}

/**
 * Sets every imported path to 0644 (files) or 0755 (folders), after the rewrites above (whose temp files follow the
 * umask): nothing from elsewhere keeps setuid, setgid or exec bits, and anything but a file or folder is refused.
 */
async function fixModes(dir: string): Promise<void> {
  await fs.chmod(dir, 0o755);
  for (const d of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, d.name);
    if (d.isDirectory()) await fixModes(full);
    else if (d.isFile()) await fs.chmod(full, 0o644);
    else throw new StoreError(`the imported run holds "${d.name}", which is neither a file nor a folder`);
  }
}

/** Gives an imported run a new id everywhere it is written: config.json, each event's runId, meta's provenance. */
async function rewriteIds(dir: string, config: RunConfig, from: string, to: string, original: string): Promise<void> {
  await writeFileAtomic(path.join(dir, CONFIG), JSON.stringify({ ...config, id: to }, null, 2));
  const logFile = path.join(dir, EVENTS);
  const text = await fs.readFile(logFile, 'utf8').catch((err) => (errnoCode(err) === 'ENOENT' ? null : Promise.reject(err)));
  if (text !== null) {
    const lines = text.split('\n').map((line) => {
      try {
        const rec = JSON.parse(line) as Record<string, unknown> & { config?: { id?: string } };
        if (rec?.runId !== from) return line;
        rec.runId = to;
        if (rec.type === 'trainBegin' && rec.config?.id === from) rec.config.id = to;
        return JSON.stringify(rec);
      } catch {
        return line; // torn or damaged lines stay as they were; readers report them
      }
    });
    await writeFileAtomic(logFile, lines.join('\n'));
  }
  const meta = await readJson(path.join(dir, META), RunMetaSchema, false);
  await writeFileAtomic(path.join(dir, META), JSON.stringify({ ...(meta.value ?? {}), importedFrom: original }, null, 2));
}

export async function importInto(root: string, data: Buffer, newId: (name: string) => string, hostname: string): Promise<string> {
  const original = await inspectArchive(data);
  const tmp = await fs.mkdtemp(path.join(root, IMPORT_PREFIX));
  try {
    await unpackArchive(data, tmp);
    const src = path.join(tmp, original);
    const { value: config, problem } = await readJson(path.join(src, CONFIG), RunConfigSchema, true);
    if (!config) throw new StoreError(`the archive's run ${original} cannot be imported: ${problem}`, original);
    await settleStatus(src, hostname);
    let current = config.id;
    for (let attempt = 0; ; attempt++) {
      const id = attempt === 0 && current === original && !(await exists(path.join(root, original))) ? original : newId(config.name);
      if (id !== current) {
        await rewriteIds(src, config, current, id, original);
        current = id;
      }
      try {
        await fixModes(src);
        if (await exists(path.join(root, id))) throw Object.assign(new Error('taken'), { code: 'EEXIST' });
        await fs.rename(src, path.join(root, id));
        await fsyncDir(root);
        return id;
      } catch (err) {
        if (!['EEXIST', 'ENOTEMPTY'].includes(errnoCode(err) ?? '') || attempt >= 5) {
          throw new StoreError(`could not move the imported run into ${root}: ${describe(err)}`, id);
        }
      }
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** The pid a temp name carries (".config.json.tmp-1234-ab12cd" or ".import-1234-xyz"), if any. */
function ownerPid(name: string): number | null {
  const m = new RegExp(`(?:${TEMP_MARKER.replace('.', '\\.')}|^\\.import-)(\\d+)-`).exec(name);
  return m ? Number(m[1]) : null;
}

function abandoned(name: string): boolean {
  const pid = ownerPid(name);
  return pid !== null && pid !== process.pid && !pidAlive(pid);
}

/** Is this run folder's status.json written by another host? */
async function ownedElsewhere(dir: string, hostname: string): Promise<boolean> {
  const { value } = await readJson(path.join(dir, STATUS), StatusFileSchema, false);
  return value !== null && value.host !== hostname;
}

/** Removes temp files and folders whose writer is gone: a killed writer's only trace, never a live one's. */
export async function sweepLeftovers(root: string, hostname: string = os.hostname()): Promise<void> {
  const top = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
  for (const d of top) {
    const full = path.join(root, d.name);
    if (d.name.startsWith('.deleting-') || (d.name.startsWith('.import-') && abandoned(d.name))) {
      await fs.rm(full, { recursive: true, force: true }).catch((err) => console.warn(`could not remove ${full}: ${describe(err)}`));
    } else if (d.isDirectory() && !d.name.startsWith('.')) {
      // Pids mean nothing across machines: a run another host writes (shared store, sweep shards) keeps its temp files.
      if (await ownedElsewhere(full, hostname)) continue;
      for (const sub of [full, path.join(full, MODEL_DIR), path.join(full, CHECKPOINT_DIR)]) {
        for (const name of await fs.readdir(sub).catch(() => [] as string[])) {
          if (isTempName(name) && abandoned(name)) await fs.rm(path.join(sub, name), { force: true }).catch(() => undefined);
        }
      }
    }
  }
}
