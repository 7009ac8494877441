// `npm run explain -- RUN_ID --index N`: an attribution map for one image of a stored run (CLI layer over engine/explain).
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { Command, Option, InvalidArgumentError } from 'commander';
import { CLASS_NAMES } from '../../shared/classes.js';
import { EXPLAIN_METHOD_NAMES } from '../../shared/explain.js';
import { RunIdSchema } from '../../shared/run.js';
import { defaultRunsDir } from '../engine/workbench.js';
import { RunStore } from '../engine/runs/store.js';
import { loadFashionMnist } from '../engine/data/dataset.js';
import { defaultCacheDir } from '../engine/data/locate.js';
import { selectBackend } from '../engine/backend/select.js';
import { explainRun } from '../engine/explain/job.js';
import { splitImage } from '../engine/explain/image.js';
import { overlayPng } from '../engine/explain/png.js';
import { heatmapMax } from '../../shared/heatmapColors.js';
import { IG_STEPS, SMOOTHGRAD_SAMPLES, SMOOTHGRAD_SIGMA } from '../engine/explain/methods.js';
import { DEFAULT_DATA_CONFIG } from '../../shared/hyper.js';

const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}, got "${v}"`);
  return n;
};

const program = new Command()
  .name('explain')
  .description('Explain one prediction of a stored run: where in the image the model found evidence for a class.\n'
    + `Methods: gradcam (conv models; any conv layer, the last by default), saliency (|∂score/∂pixel|), smoothgrad (${SMOOTHGRAD_SAMPLES} noisy copies, σ ${SMOOTHGRAD_SIGMA}, seeded), `
    + `integrated-gradients (black baseline, ${IG_STEPS} steps, trapezoidal rule). The score is the class logit (before the softmax).\n`
    + 'Example: npm run explain -- 20261125-101500-seed-cnn-8d1e07 --index 12 --method gradcam --png cam.png')
  .argument('<runId>', 'id of a finished run (npm run experiment prints them)')
  .requiredOption('--index <n>', 'image position in the split (for test: the test-file index)', int('--index', 0, 59_999))
  .addOption(new Option('--split <split>', "which of the run's splits the image comes from").choices(['test', 'validation', 'train']).default('test'))
  .addOption(new Option('--method <method>', 'attribution method').choices([...EXPLAIN_METHOD_NAMES]).default('gradcam'))
  .option('--class <k>', `class to explain, 0–9 (default: the predicted one); ${CLASS_NAMES.map((n, i) => `${i} ${n}`).join(', ')}`, int('--class', 0, 9))
  .option('--layer <name>', 'Grad-CAM: the conv layer (default: the last one)')
  .option('--seed <n>', 'SmoothGrad noise seed', int('--seed', 0, 2 ** 31 - 1), 0)
  .option('--runs-dir <dir>', `run store folder (default ${defaultRunsDir()})`)
  .option('--data-dir <dir>', 'folder with the four Fashion-MNIST IDX files (default: the usual search)')
  .option('--png <file>', 'write the image with the map overlaid (and the plain image beside it) as a PNG')
  .option('--json', 'print {"runId","index","split","label","predicted","probabilities","method","class","heatmap"} on stdout and nothing else')
  .showHelpAfterError();

async function main(): Promise<number> {
  program.parse();
  const [runId] = program.args;
  const o = program.opts<{ index: number; split: 'test' | 'validation' | 'train'; method: (typeof EXPLAIN_METHOD_NAMES)[number]; class?: number; layer?: string; seed: number; runsDir?: string; dataDir?: string; png?: string; json?: boolean }>();
  const id = RunIdSchema.safeParse(runId);
  if (!id.success) program.error(`"${runId}" is not a run id: ${id.error.issues[0]?.message}`);
  const store = new RunStore(path.resolve(o.runsDir ?? defaultRunsDir()));
  const env = process.env;
  const ds = await loadFashionMnist({ dataDir: o.dataDir ? path.resolve(o.dataDir) : null, env, cacheDir: defaultCacheDir(env), download: false, strict: env.FASHION_MNIST_STRICT !== '0' });
  await selectBackend('auto');
  const r = await explainRun({ store, data: async () => ds }, {
    runId, split: o.split, index: o.index, method: o.method, classes: o.class === undefined ? [] : [o.class], layer: o.layer ?? null, seed: o.seed,
  });
  const map = r.maps[0];
  if (o.png) {
    const data = (await store.get(runId)).config?.request.data ?? DEFAULT_DATA_CONFIG;
    const file = path.resolve(o.png);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, overlayPng({ pixels: splitImage(ds, data, o.split, o.index).pixels, heatmap: map.heatmap, max: heatmapMax(map.heatmap) }));
    if (!o.json) process.stdout.write(`wrote ${file}\n`);
  }
  if (o.json) {
    const doc = { runId, index: r.index, split: r.split, label: r.label, predicted: r.predicted, probabilities: r.probabilities, method: r.method, class: map.cls, heatmap: map.heatmap };
    process.stdout.write(JSON.stringify(doc) + '\n');
    return 0;
  }
  const pct = (p: number) => `${(100 * p).toFixed(1)} %`;
  const top = r.probabilities.map((p, k) => ({ p, k })).sort((a, b) => b.p - a.p).slice(0, 3);
  process.stdout.write(`${r.split} image ${r.index}: ${CLASS_NAMES[r.label]}; predicted ${CLASS_NAMES[r.predicted]} (${top.map((t) => `${CLASS_NAMES[t.k]} ${pct(t.p)}`).join(', ')})\n`);
  process.stdout.write(`${r.method}${r.layer ? ` at ${r.layer}` : ''} for ${CLASS_NAMES[map.cls]}: max ${heatmapMax(map.heatmap).toPrecision(3)}, ${r.seconds.toFixed(2)} s\n`);
  const detail = r.details[0];
  if (detail.attributionSum !== undefined) {
    process.stdout.write(`completeness: Σ attributions ${detail.attributionSum.toFixed(4)} vs f(x) − f(black) ${detail.scoreDelta!.toFixed(4)}\n`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`explain: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
