// `npm run experiment`: the headless main job — train presets or an experiment file, store the runs, print the comparison.
import path from 'node:path';
import { Command, Option, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { adapterSummary } from '../../shared/gpuAdapter.js';
import { BACKEND_NAMES, type TrainEvent, type RunSummary, type TrainRequest } from '../../shared/run.js';
import { createWorkbench, defaultRunsDir } from '../engine/workbench.js';
import { presetRuns, readExperimentFile, PRESET_IDS, type ExperimentRun } from './experimentConfig.js';
import { comparisonTable, mcnemarLine } from './table.js';
import { draftRuns } from './draftRuns.js';
import { writeFile, mkdir } from 'node:fs/promises';
import { parseLayerList, parseShard, planRequests } from './experimentPlan.js';
import { rankSweeps, sweepTable } from './sweepTable.js';
import { watchPruning } from './pruning.js';
import { reportFilePath, reportIsFolder } from './reportPath.js';

const int = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got "${v}"`);
  return n;
};
const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`must be a positive number, got "${v}"`);
  return n;
};

const program = new Command()
  .name('experiment')
  .description('Train Fashion-MNIST models headlessly, store the runs, and print a comparison.\nExample: npm run experiment -- --preset seed --limit 5000 --epochs 2')
  .option('--preset <id>', `preset to train: ${PRESET_IDS.join(', ')} ("seed" = seed-ann and seed-cnn, the seed report's comparison)`)
  .option('--model <name>', 'a model draft saved in the app (Models view); an unknown name lists the saved ones')
  .option('--config <file>', 'JSON experiment file: {"name"?, "data"?, "runs": [{"preset"? | "model"?, "hyper"?, "data"?, "repeat"?}]}')
  .option('--data-dir <dir>', 'folder with the four Fashion-MNIST IDX files (.gz or raw)')
  .option('--limit <n>', 'train on n samples; validation and test shrink in proportion unless --full-test', int('--limit', 10))
  .option('--full-test', 'evaluate on the whole 10,000-image test set even with --limit')
  .option('--epochs <n>', 'epochs (overrides the preset)', int('--epochs', 1))
  .option('--batch-size <n>', 'batch size (overrides the preset)', int('--batch-size', 1))
  .option('--lr <rate>', 'learning rate (overrides the preset)', positive)
  .addOption(new Option('--backend <name>', 'TensorFlow.js backend').choices(['auto', ...BACKEND_NAMES]).default('auto'))
  .option('--seed <n>', 'random seed (weights, shuffling, augmentation)', int('--seed', 0))
  .option('--repeat <n>', 'train each run n times with seeds seed, seed+1, … (mean ± std)', int('--repeat', 1))
  .option('--concurrency <n>', 'runs trained at once (1–2; one per core)', int('--concurrency', 1))
  .option('--out <dir>', `run store folder (default ${defaultRunsDir()})`)
  .option('--report <file>', 'also write a PDF comparison report of the finished runs (a folder: named from the title and date)')
  .addOption(new Option('--page-size <size>', 'report paper size').choices(['a4', 'letter']).default('a4'))
  .option('--json', 'print one JSON document on stdout (progress goes to stderr)')
  .option('--resume <runId>', 'continue a stored run from its last checkpoint (same id) up to --epochs total epochs (default: its own)')
  .option('--init-from <runId>', 'start from a stored run\'s weights (fine-tuning; the architectures must match)')
  .option('--freeze <layers>', 'with --init-from: layer indices (0-based, comma separated) that are not trained')
  .option('--shard <i/N>', 'train only the trials whose index ≡ i mod N (Slurm array jobs, Kubernetes Indexed Jobs)')
  .option('--sweep-id <id>', 'id shared by the trials of the sweep (default: derived from the experiment entry)')
  .showHelpAfterError();

async function main(): Promise<number> {
  program.parse();
  const o = program.opts();
  if (!o.preset && !o.config && !o.resume && !o.model) {
    program.error('say what to train: --preset <id>, --model <name>, --config <file> or --resume <runId> (see --help)');
  }
  if (o.resume && (o.preset || o.config || o.initFrom || o.shard)) program.error('--resume continues one stored run: it takes only --epochs, --data-dir, --out, --json and --report');
  if (o.freeze && !o.initFrom) program.error('--freeze needs --init-from <runId> (layers are frozen at the weights they start from)');
  let runs: ExperimentRun[] = [];
  let sharedData: Record<string, unknown> | undefined;
  let name: string | undefined;
  if (o.config) {
    const file = await readExperimentFile(o.config);
    runs = file.runs;
    sharedData = file.data;
    name = file.name;
  }
  if (o.preset) runs = [...runs, ...presetRuns(o.preset)];
  if (o.model) runs = [...runs, ...(await draftRuns(o.model))];
  const plan = planRequests(runs, {
    epochs: o.epochs, batchSize: o.batchSize, seed: o.seed, learningRate: o.lr, limit: o.limit,
    fullTest: o.fullTest, backend: o.backend, repeat: o.repeat,
  }, sharedData, {
    sweepId: o.sweepId, shard: o.shard ? parseShard(o.shard) : undefined,
    initFrom: o.initFrom ? { runId: o.initFrom, freeze: o.freeze ? parseLayerList(o.freeze) : [] } : undefined,
  });
  const requests: TrainRequest[] = plan.requests;
  // Before training: an existing folder named without its trailing slash is a folder, not a file to overwrite.
  const reportFolder = o.report ? await reportIsFolder(o.report) : false;

  const runsDir = path.resolve(o.out ?? defaultRunsDir());
  const wb = await createWorkbench({ runsDir, dataDir: o.dataDir ?? null, mode: 'browser', maxConcurrent: Math.min(2, o.concurrency ?? 1) });
  const progress = new Progress(Boolean(process.stderr.isTTY) && !o.json);
  wb.onEvent((e) => {
    if (e.kind === 'train') progress.onEvent(e.event);
    else if (e.kind === 'dataProgress') progress.note(`downloading ${e.progress.file}: ${(e.progress.receivedBytes / 1e6).toFixed(1)} MB`);
  });
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    progress.note('interrupted: cancelling runs (press Ctrl-C again to force)');
    for (const id of [...wb.manager.running(), ...wb.manager.queued()]) void wb.manager.cancel(id).catch(() => undefined);
    process.once('SIGINT', () => process.exit(130));
  });

  const status = await wb.handlers.getDataStatus({ download: true });
  if (!status.found) throw new Error(status.error ?? 'Fashion-MNIST not found');
  progress.note(`data: ${status.source!.kind} ${status.source!.dir}${status.source!.verified ? ' (checksums verified)' : ' (NOT verified against the published checksums)'}`);

  const ids: string[] = [];
  const pruning = watchPruning(wb, plan.rules, (line) => progress.note(line));
  if (o.shard) progress.note(`shard ${o.shard}: ${requests.length} of ${plan.total} trials`);
  if (o.resume) ids.push((await wb.manager.resume(o.resume, o.epochs)).runId);
  for (const req of requests) ids.push(...(await wb.handlers.startRun(req)).runIds);
  progress.total = ids.length;
  await wb.manager.idle();
  await pruning.settled();
  progress.stop();

  const all = await wb.handlers.listRuns({});
  const summaries = ids.map((id) => all.find((s) => s.id === id)).filter((s): s is RunSummary => Boolean(s));
  const details = await Promise.all(ids.map((id) => wb.handlers.getRun({ runId: id })));
  let reportPath: string | null = null;
  const finished = summaries.filter((s) => s.status === 'finished').map((s) => s.id);
  if (o.report && finished.length > 0) {
    const rep = await wb.handlers.exportReport({ runIds: finished, title: name ?? defaultTitle(summaries), pageSize: o.pageSize === 'letter' ? 'LETTER' : 'A4' });
    for (const w of rep.warnings) progress.note(`report warning: ${w}`);
    reportPath = reportFilePath(o.report, reportFolder, rep.fileName);
    await mkdir(path.dirname(reportPath), { recursive: true });
    await writeFile(reportPath, Buffer.from(rep.pdf, 'base64'));
  }
  const mc = await mcnemarLine(wb, summaries);
  const sweeps = rankSweeps(summaries, details);
  if (o.json) {
    const doc = {
      runsDir,
      runs: summaries.map((s, i) => ({
        id: s.id, name: s.name, preset: s.preset, status: s.status, reason: s.reason, params: s.params, backend: s.backend,
        backendReason: details[i].begin?.backend.reason ?? null, addedKernels: details[i].begin?.backend.addedKernels ?? [],
        adapter: details[i].begin?.backend.adapter ?? null,
        epochs: s.epochsDone, trainSeconds: s.trainSeconds, samplesPerSecond: s.samplesPerSecond, groupId: s.groupId,
        hyper: details[i].config?.request.hyper ?? null, sweep: details[i].config?.request.sweep ?? null,
        history: details[i].epochs.map(({ valConfusion: _omit, ...e }) => e),
        test: details[i].test ? { accuracy: details[i].test!.accuracy, loss: details[i].test!.loss, macroF1: details[i].test!.report.macro.f1, weightedF1: details[i].test!.report.weighted.f1, namedPairs: details[i].test!.namedPairs } : null,
      })),
      mcnemar: mc?.result ?? null,
      sweeps,
      report: reportPath,
    };
    process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
  } else {
    process.stdout.write(comparisonTable(summaries, details) + '\n');
    if (mc) process.stdout.write(mc.text + '\n');
    for (const sw of sweeps) process.stdout.write('\n' + sweepTable(sw) + '\n');
    if (reportPath) process.stdout.write(`report: ${reportPath}\n`);
    process.stdout.write(`runs stored in ${runsDir}\n`);
  }
  await wb.close();
  // Trials the median rule stopped ended as intended.
  const failed = summaries.filter((s) => s.status !== 'finished' && !pruning.pruned.has(s.id));
  for (const f of failed) process.stderr.write(`run ${f.name} (${f.id}) ${f.status}: ${f.reason ?? 'no reason recorded'}\n`);
  return failed.length > 0 || interrupted ? 1 : 0;
}

function defaultTitle(s: RunSummary[]): string {
  return [...new Set(s.map((r) => r.preset ?? r.modelName ?? r.name))].join(' vs ');
}

/** Progress bars on a terminal, plain lines otherwise; always on stderr. */
class Progress {
  total = 0;
  private bars = new Map<string, cliProgress.SingleBar>();
  private multi: cliProgress.MultiBar | null;
  private names = new Map<string, string>();
  private explained = new Set<string>();

  constructor(tty: boolean) {
    this.multi = tty ? new cliProgress.MultiBar({
      stream: process.stderr, clearOnComplete: false, hideCursor: true,
      format: '{name} |{bar}| epoch {epoch} {percentage}% | loss {loss} acc {acc} | {sps} samples/s | ETA {eta_formatted}',
    }, cliProgress.Presets.shades_classic) : null;
  }

  note(line: string) {
    if (this.multi) this.multi.log(line + '\n');
    else process.stderr.write(line + '\n');
  }

  onEvent(e: TrainEvent) {
    const name = this.names.get(e.runId) ?? e.runId;
    switch (e.type) {
      case 'trainBegin': {
        this.names.set(e.runId, e.config.name);
        // The backend's explanation is long and the same for every run on it: print it once per backend and reason.
        const why = `${e.backend.name}\u0000${e.backend.reason}`;
        if (!this.explained.has(why)) {
          this.explained.add(why);
          this.note(`backend ${e.backend.name}: ${e.backend.reason}`);
        }
        this.note(`${e.config.name} (${e.runId}): ${e.params.toLocaleString('en-US')} params on ${e.backend.name}${e.backend.adapter ? ` (${adapterSummary(e.backend.adapter)})` : ''}; ${e.splitSizes.train}/${e.splitSizes.validation}/${e.splitSizes.test} train/val/test`);
        if (this.multi) this.bars.set(e.runId, this.multi.create(e.epochs * e.batchesPerEpoch, 0, { name: e.config.name.padEnd(12).slice(0, 24), epoch: 1, loss: '-', acc: '-', sps: '-' }));
        break;
      }
      case 'batchEnd': {
        const bar = this.bars.get(e.runId);
        bar?.update(e.epoch * e.batches + e.batch + 1, { epoch: e.epoch + 1, loss: e.loss.toFixed(4), acc: e.accuracy.toFixed(4), sps: Math.round(e.samplesPerSecond) });
        break;
      }
      case 'epochEnd': {
        const s = e.summary;
        const line = `${name} epoch ${s.epoch + 1}: loss ${s.loss.toFixed(4)} acc ${s.accuracy.toFixed(4)} val_loss ${s.valLoss.toFixed(4)} val_acc ${s.valAccuracy.toFixed(4)} (${s.seconds.toFixed(1)} s, ${Math.round(s.samplesPerSecond)} samples/s)`;
        this.note(line);
        break;
      }
      case 'evaluated':
        this.note(`${name} test: accuracy ${e.test.accuracy.toFixed(4)} loss ${e.test.loss.toFixed(4)} macro F1 ${e.test.report.macro.f1.toFixed(4)}`);
        break;
      case 'trainEnd':
        this.bars.get(e.runId)?.stop();
        this.note(`${name} ${e.status}${e.reason ? `: ${e.reason}` : ''}`);
        break;
      default:
        break;
    }
  }

  stop() {
    this.multi?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`experiment failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
