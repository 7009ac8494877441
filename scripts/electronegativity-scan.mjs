#!/usr/bin/env node
// Security audit, step 1 (build tooling): runs Electronegativity over the built app (dist/electron + dist/renderer) and writes SARIF.
//
// Usage: node scripts/electronegativity-scan.mjs [out.sarif]   (default test-results/electronegativity.sarif)
// Findings never fail this step (as with Electronegativity's own CLI); scripts/audit-electron.mjs judges them.
// It exits 1 only when the scan itself could not be trusted: no build, or a file Electronegativity could not parse.
//
// Why not the `electronegativity` CLI: 1.10.3 requires `commander` without declaring it, so it picks up this
// project's commander 14 and dies with "version is not a function". Its Node API (the same runner) works.
// Why a staged copy: Electronegativity reads only .js/.ts/.html, so the sandboxed preload (preload.cjs) would be
// skipped silently; the copy names it .js. Source maps are left out (nothing to audit in them).
// Why our own SARIF writer: the runner writes its file with an unawaited fs.writeFile, and its SARIF drops the
// source line of each finding, which the allow-list matches on (line numbers of a bundle move with every change).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const out = path.resolve(process.argv[2] ?? path.join(root, 'test-results', 'electronegativity.sarif'));
const BUILT = ['electron', 'renderer'];

function fail(message) {
  console.error(`electronegativity-scan: ${message}`);
  process.exit(1);
}

for (const dir of BUILT) {
  if (!existsSync(path.join(root, 'dist', dir))) fail(`dist/${dir} is missing: run \`npm run build\` first.`);
}

/** Copies dist/<dir> for every built dir, renaming .cjs/.mjs to .js so the scanner reads them. */
function stage() {
  const staged = mkdtempSync(path.join(os.tmpdir(), 'fmw-electronegativity-'));
  for (const dir of BUILT) {
    cpSync(path.join(root, 'dist', dir), path.join(staged, dir), { recursive: true, filter: (src) => !src.endsWith('.map') });
  }
  const renameIn = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) renameIn(full);
      else if (/\.(cjs|mjs)$/.test(entry.name)) renameSync(full, full.replace(/\.(cjs|mjs)$/, '.js'));
    }
  };
  renameIn(staged);
  return staged;
}

/** SARIF 2.1.0 as Electronegativity writes it, plus each finding's source line (region.snippet) and its ratings. */
function toSarif(issues, version) {
  const rules = [];
  const seen = new Set();
  const results = issues.map((issue) => {
    if (!seen.has(issue.id)) {
      seen.add(issue.id);
      rules.push({
        id: issue.id,
        fullDescription: { text: issue.description },
        helpUri: `https://github.com/doyensec/electronegativity/wiki/${issue.id}`,
        properties: { category: 'Security' },
      });
    }
    const global = issue.file === 'N/A';
    const region = {
      startLine: Math.max(1, issue.location?.line ?? 1),
      startColumn: (issue.location?.column ?? 0) + 1,
      ...(typeof issue.sample === 'string' ? { snippet: { text: issue.sample.trim().slice(0, 300) } } : {}),
    };
    return {
      ruleId: issue.id,
      level: issue.manualReview ? 'note' : 'warning',
      message: { text: issue.description },
      locations: [{ physicalLocation: { artifactLocation: { uri: global ? 'file:///' : issue.file.split(path.sep).join('/') }, region } }],
      properties: { severity: issue.severity?.name, confidence: issue.confidence?.name, manualReview: !!issue.manualReview },
    };
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'Electronegativity', version, informationUri: 'https://github.com/doyensec/electronegativity', rules } },
      results,
    }],
  };
}

const electronVersion = require('electron/package.json').version;
const scannerVersion = require('@doyensec/electronegativity/package.json').version;
const run = require('@doyensec/electronegativity');
const staged = stage();
try {
  const result = await run({
    input: staged,
    isRelative: true,
    isVerbose: true,
    customScan: [],
    excludeFromScan: [],
    parserPlugins: [],
    // dist/ has no package.json to read the version from; without it every version-dependent default is judged as Electron 0.1.
    electronVersionOverride: electronVersion,
  }, false);
  const broken = result.errors.filter((e) => !e.tolerable);
  for (const e of result.errors) {
    console.error(`electronegativity-scan: ${e.tolerable ? 'warning' : 'error'} parsing ${path.relative(staged, e.file)}: ${e.message}`);
  }
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(toSarif(result.issues, scannerVersion), null, 2)}\n`);
  console.log(`electronegativity-scan: ${result.atomicChecks} atomic + ${result.globalChecks} global checks over dist/{${BUILT.join(',')}} `
    + `(Electron ${electronVersion}): ${result.issues.length} finding(s) -> ${path.relative(root, out)}`);
  if (broken.length > 0) fail(`${broken.length} file(s) could not be parsed, so they were not audited`);
} finally {
  rmSync(staged, { recursive: true, force: true });
}
