// Contract bounds (issue 9): every string, array and number a request or a stored run file can carry has a limit, so no
// payload or imported file can make the engine hold a 50 MB name or a billion-element array.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { requests, REQUEST_NAMES, SettingsSchema, PresetSchema, PushEventSchema, MAX_RUN_ARCHIVE_BASE64, MAX_RUN_ARCHIVE_BYTES } from '../../shared/api.js';
import { PredictionsSchema, RunConfigSchema, RunDetailSchema, RunSummarySchema, TestMetricsSchema, TrainEventSchema, TrainRequestSchema } from '../../shared/run.js';
import { DatasetStatsSchema } from '../../shared/data.js';

type Def = { type: string; checks?: Array<{ _zod: { def: { check: string; maximum?: number } } }>; [k: string]: unknown };

function maxOf(schema: z.ZodType): number | null {
  const checks = (schema._zod.def as Def).checks ?? [];
  const found = checks.filter((c) => c._zod.def.check === 'max_length').map((c) => c._zod.def.maximum!);
  return found.length ? Math.min(...found) : null;
}

/** Every unbounded leaf under `schema`, as "path: what is missing". Floats need only be finite (zod 4) unless `strictNumbers`. */
function unbounded(schema: z.ZodType, at: string, strictNumbers: boolean, out: string[] = []): string[] {
  const def = schema._zod.def as Def;
  const s = schema as unknown as Record<string, unknown>;
  switch (def.type) {
    case 'string':
      if (maxOf(schema) === null) out.push(`${at}: string without max length`);
      break;
    case 'array':
      if (maxOf(schema) === null) out.push(`${at}: array without max length`);
      unbounded(def.element as z.ZodType, `${at}[]`, strictNumbers, out);
      break;
    case 'number': {
      const [min, max, isInt] = [s.minValue as number | null, s.maxValue as number | null, s.isInt as boolean];
      // .int() alone means "safe integer" in zod 4: a bound must be tighter than that to count.
      const explicit = min !== null && max !== null && min > -Number.MAX_SAFE_INTEGER && max < Number.MAX_SAFE_INTEGER;
      if ((strictNumbers || isInt) && !explicit) out.push(`${at}: number without finite min and max`);
      break;
    }
    case 'object':
      for (const [k, v] of Object.entries(def.shape as Record<string, z.ZodType>)) unbounded(v, at ? `${at}.${k}` : k, strictNumbers, out);
      break;
    case 'union':
      (def.options as z.ZodType[]).forEach((o, i) => unbounded(o, `${at}|${i}`, strictNumbers, out));
      break;
    case 'tuple':
      (def.items as z.ZodType[]).forEach((o, i) => unbounded(o, `${at}[${i}]`, strictNumbers, out));
      if (def.rest) out.push(`${at}: tuple with a rest element`);
      break;
    case 'record':
      unbounded(def.keyType as z.ZodType, `${at}{key}`, strictNumbers, out);
      unbounded(def.valueType as z.ZodType, `${at}{value}`, strictNumbers, out);
      break;
    case 'optional': case 'nullable': case 'default': case 'prefault': case 'readonly': case 'catch': case 'nonoptional':
      unbounded(def.innerType as z.ZodType, at, strictNumbers, out);
      break;
    case 'pipe':
      unbounded(def.in as z.ZodType, at, strictNumbers, out);
      break;
    case 'boolean': case 'literal': case 'enum': case 'null':
      break;
    default:
      out.push(`${at}: ${def.type} is not checked by this test`);
  }
  return out;
}

describe('contract bounds', () => {
  it('every request of the contract bounds each string, array and number it accepts', () => {
    const found = REQUEST_NAMES.flatMap((name) => unbounded(requests[name].request, name, true));
    expect(found).toEqual([]);
  });

  it('every response and stored-file schema bounds its strings and arrays, and its integers', () => {
    const found = [
      ...REQUEST_NAMES.flatMap((name) => unbounded(requests[name].response, `${name}→`, false)),
      ...Object.entries({ SettingsSchema, PresetSchema, PushEventSchema, RunConfigSchema, TrainEventSchema, TestMetricsSchema, PredictionsSchema, RunSummarySchema, RunDetailSchema, DatasetStatsSchema })
        .flatMap(([name, schema]) => unbounded(schema as z.ZodType, name, false)),
    ];
    expect(found).toEqual([]);
  });

  it('the walker above does find an unbounded field (so the two tests above can fail)', async () => {
    const { z } = await import('zod');
    expect(unbounded(z.object({ a: z.string(), b: z.array(z.string().max(3)), c: z.number().int(), d: z.number() }), '', true))
      .toEqual(['a: string without max length', 'b: array without max length', 'c: number without finite min and max', 'd: number without finite min and max']);
  });

  it('keeps what users and stored runs already send valid (backwards compatible), and refuses the 50 MB data folder', () => {
    expect(SettingsSchema.parse({ dataDir: '/usr/share/datasets/fashion-mnist' }).dataDir).toBe('/usr/share/datasets/fashion-mnist');
    expect(SettingsSchema.safeParse({ dataDir: `/${'x'.repeat(50 * 1024 * 1024)}` }).success).toBe(false);
    const req = TrainRequestSchema.parse({ name: 'n'.repeat(200), model: { name: 'm', inputShape: [28, 28, 1], layers: [{ type: 'Conv2D', filters: 256, kernelSize: [5, 5] }, { type: 'Flatten' }, { type: 'Dense', units: 4096 }] }, hyper: { learningRate: 1e-3, batchSize: 128, epochs: 10 }, repeat: 20 });
    expect(RunConfigSchema.safeParse({ id: 'r1', name: `${req.name} (seed 2147483647)`, createdAt: new Date().toISOString(), request: req, seed: 2 ** 31 - 1 + 19, groupId: 'g', repeatIndex: 19 }).success).toBe(true);
    expect(requests.importRun.request.safeParse({ archive: 'A'.repeat(MAX_RUN_ARCHIVE_BASE64) }).success).toBe(true);
    expect(requests.importRun.request.safeParse({ archive: 'A'.repeat(MAX_RUN_ARCHIVE_BASE64 + 4) }).success).toBe(false);
    expect(MAX_RUN_ARCHIVE_BASE64).toBeLessThan(2 ** 29 - 24); // V8's longest string
    expect(MAX_RUN_ARCHIVE_BASE64).toBeGreaterThanOrEqual((MAX_RUN_ARCHIVE_BYTES / 3) * 4);
  });
});
