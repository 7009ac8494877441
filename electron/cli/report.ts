// `npm run report -- RUN_ID… --out FILE`: a PDF comparison report from stored runs (CLI layer over engine/report).
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { reportFilePath, reportIsFolder } from './reportPath.js';
import { Command, Option } from 'commander';
import { defaultRunsDir } from '../engine/workbench.js';
import { gatherReportInput } from '../engine/report/gather.js';
import { generateReport, reportFileName } from '../engine/report/generate.js';

const program = new Command()
  .name('report')
  .description('Write a PDF report comparing stored runs.\nExample: npm run report -- 20261125-101500-seed-ann-3f2a9c 20261125-101500-seed-cnn-8d1e07 --out reports/')
  .argument('<runIds...>', 'ids of the runs to report on (npm run experiment prints them; repeated runs of one group are averaged)')
  .requiredOption('--out <file>', 'PDF file to write, or an existing folder (the file is then named from the title and date)')
  .option('--runs-dir <dir>', `run store folder (default ${defaultRunsDir()})`)
  .addOption(new Option('--page-size <size>', 'paper size').choices(['a4', 'letter']).default('a4'))
  .option('--title <title>', 'report title (default: the run names joined by "vs")')
  .option('--data-dir <dir>', 'Fashion-MNIST folder, if the one the runs recorded has moved')
  .showHelpAfterError();

async function main(): Promise<number> {
  program.parse();
  const runIds = program.args;
  const o = program.opts<{ out: string; runsDir?: string; pageSize: 'a4' | 'letter'; title?: string; dataDir?: string }>();
  const runsDir = path.resolve(o.runsDir ?? defaultRunsDir());
  const { input, warnings } = await gatherReportInput({ runsDir, runIds, title: o.title, dataDir: o.dataDir ?? null });
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  const generatedAt = new Date();
  const pdf = await generateReport({ ...input, generatedAt }, { pageSize: o.pageSize === 'letter' ? 'LETTER' : 'A4' });
  const file = reportFilePath(o.out, await reportIsFolder(o.out), reportFileName(input.title, generatedAt));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, pdf);
  process.stdout.write(`${file}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`report: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
