// CLI: expands a run entry's "sweep" into one validated train request per trial (grid or seeded random sampling).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { TrainRequestSchema, type TrainRequest } from '../../shared/run.js';
import { ModelSpecSchema } from '../../shared/spec.js';
import { DataConfigSchema, HyperparametersSchema } from '../../shared/hyper.js';
import { validateModelSpec } from '../../shared/model/inferShapes.js';
import type { SweepInfo } from '../../shared/sweep.js';
import { mulberry32 } from '../engine/data/rng.js';
import { formatIssues } from './experimentConfig.js';
import type { SweepRange, SweepSpec } from './sweepSpec.js';

export class SweepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SweepError';
  }
}

type Json = unknown;
type Sections = { model: Json; hyper: Json; data: Json };
const SCHEMAS: Record<keyof Sections, z.ZodType> = { model: ModelSpecSchema, hyper: HyperparametersSchema, data: DataConfigSchema };

/** Every dotted path into the resolved run (objects and leaves; array items by index). */
export function pathsOf(value: Json, prefix = ''): string[] {
  if (value === null || typeof value !== 'object') return [];
  const out: string[] = [];
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, Json>);
  for (const [k, v] of entries) {
    const p = prefix ? `${prefix}.${k}` : k;
    out.push(p, ...pathsOf(v, p));
  }
  return out;
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}

/** The valid paths a mistyped one most likely meant: its deepest existing parent's children first, then the closest. */
export function nearbyPaths(bad: string, valid: string[], max = 8): string[] {
  const parts = bad.split('.');
  let parent = '';
  for (let n = parts.length - 1; n > 0; n--) {
    const p = parts.slice(0, n).join('.');
    if (valid.includes(p)) { parent = p; break; }
  }
  const depth = parent ? parent.split('.').length + 1 : 1;
  const pool = valid.filter((v) => (parent ? v.startsWith(`${parent}.`) : true) && v.split('.').length === depth);
  return (pool.length ? pool : valid).map((v) => ({ v, d: distance(bad, v) })).sort((a, b) => a.d - b.d).slice(0, max).map((x) => x.v);
}

/** A deep copy of `root` with `path` set to `value`. */
export function setAt<T>(root: T, path: string[], value: Json): T {
  const copy = structuredClone(root) as Record<string, Json>;
  let o: Record<string, Json> = copy;
  path.slice(0, -1).forEach((k) => { o = o[k] as Record<string, Json>; });
  o[path[path.length - 1]] = structuredClone(value);
  return copy as T;
}

/** Is the field at `path` an integer field? Asks its schema: a non-integer there must fail with an integer issue. */
function isIntegerField(sections: Sections, path: string[]): boolean {
  const [section, ...rest] = path as [keyof Sections, ...string[]];
  const probe = setAt(sections[section], rest, 0.5);
  const r = SCHEMAS[section].safeParse(probe);
  return !r.success && r.error.issues.some((i) => i.path.join('.') === rest.join('.') && /\bint/i.test(`${(i as { expected?: string }).expected ?? ''} ${i.message}`));
}

const round = (v: number) => Number(v.toPrecision(6));

function sampleRange(r: SweepRange, int: boolean, rng: () => number): number {
  const u = rng();
  if (int) {
    const lo = Math.ceil(r.min);
    const hi = Math.floor(r.max);
    if (lo > hi) throw new SweepError(`integer range [${r.min}, ${r.max}] holds no integer`);
    if (r.log) return Math.min(hi, Math.max(lo, Math.round(Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo))))));
    return lo + Math.floor(u * (hi - lo + 1));
  }
  return round(r.log ? Math.exp(Math.log(r.min) + u * (Math.log(r.max) - Math.log(r.min))) : r.min + u * (r.max - r.min));
}

/** The trials' parameter sets: the grid's points in order (first path slowest), or `trials` seeded random draws. */
export function trialParams(spec: SweepSpec, integer: (path: string) => boolean, seed: number): Array<Record<string, Json>> {
  const keys = Object.keys(spec.space);
  if (spec.method === 'grid') {
    const ranged = keys.find((k) => !Array.isArray(spec.space[k]));
    if (ranged) throw new SweepError(`a grid sweep takes value lists; "${ranged}" is a range (use "method": "random", or list its values)`);
    let points: Array<Record<string, Json>> = [{}];
    for (const k of keys) points = points.flatMap((p) => (spec.space[k] as Json[]).map((v) => ({ ...p, [k]: v })));
    return spec.trials !== undefined ? points.slice(0, spec.trials) : points;
  }
  const rng = mulberry32(seed);
  return Array.from({ length: spec.trials! }, () => {
    const p: Record<string, Json> = {};
    for (const k of keys) {
      const values = spec.space[k];
      p[k] = Array.isArray(values) ? values[Math.floor(rng() * values.length)] : sampleRange(values, values.int ?? integer(k), rng);
    }
    return p;
  });
}

/** Same entry, same flags → same id on every machine, so shards of one sweep land in one group. */
export function defaultSweepId(name: string, base: TrainRequest, spec: SweepSpec): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'sweep';
  const hash = createHash('sha256').update(JSON.stringify({ base: { ...base, name: undefined }, spec })).digest('hex').slice(0, 10);
  return `${slug}-${hash}`;
}

/**
 * One train request per trial of `spec` over the validated `base` request. Every path must exist in the resolved run
 * (the message lists valid ones near a wrong one); every trial is validated by the contract's schemas and shape check.
 */
export function expandSweep(base: TrainRequest, spec: SweepSpec, label: string, sweepId?: string): TrainRequest[] {
  const sections: Sections = { model: base.model, hyper: base.hyper, data: base.data };
  const valid = ['model', 'hyper', 'data'].flatMap((s) => pathsOf(sections[s as keyof Sections], s));
  for (const p of Object.keys(spec.space)) {
    if (!valid.includes(p) || !['model.', 'hyper.', 'data.'].some((s) => p.startsWith(s))) {
      throw new SweepError(`sweep of ${label}: unknown path "${p}"; paths start with model., hyper. or data. and must exist in the run. Valid paths near it: ${nearbyPaths(p, [...Object.keys(sections), ...valid]).join(', ')}`);
    }
  }
  const name = spec.name ?? base.name ?? label;
  const id = spec.id ?? sweepId ?? defaultSweepId(name, base, spec);
  const points = trialParams(spec, (p) => isIntegerField(sections, p.split('.')), spec.seed ?? base.hyper.seed);
  return points.map((params, index) => {
    let trial: Sections = sections;
    for (const [p, v] of Object.entries(params)) trial = setAt(trial, p.split('.'), v);
    const where = `sweep ${id} trial #${index + 1} of ${points.length} (${Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')})`;
    const sweep = { id, name, method: spec.method, index, trials: points.length, params } as SweepInfo; // checked by the parse below
    const parsed = TrainRequestSchema.safeParse({ ...base, ...trial, name: `${name} #${index + 1}`, sweep });
    if (!parsed.success) throw new SweepError(`${where} is invalid:\n${formatIssues(parsed.error)}`);
    try {
      validateModelSpec(parsed.data.model);
    } catch (err) {
      throw new SweepError(`${where}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return parsed.data;
  });
}
