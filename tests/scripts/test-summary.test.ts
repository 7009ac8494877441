// CI's closing report (scripts/test-summary.mjs): lists each skip with its reason, fails on a skip not on the allow-list and on files that failed to load.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface T { fullName: string; status: 'passed' | 'failed' | 'skipped' | 'todo' }
function file(rel: string, tests: T[], loadError?: string) {
  return {
    name: path.join(ROOT, rel),
    status: loadError || tests.some((t) => t.status === 'failed') ? 'failed' : 'passed',
    message: loadError ?? '',
    assertionResults: tests.map((t) => ({ ...t, title: t.fullName, ancestorTitles: [] })),
  };
}
function results(files: ReturnType<typeof file>[]) {
  const all = files.flatMap((f) => f.assertionResults);
  return {
    numPassedTests: all.filter((t) => t.status === 'passed').length,
    numFailedTests: all.filter((t) => t.status === 'failed').length,
    numPendingTests: all.filter((t) => t.status === 'skipped').length,
    numTodoTests: all.filter((t) => t.status === 'todo').length,
    testResults: files,
  };
}
function summary(unit: ReturnType<typeof file>[], e2e: ReturnType<typeof file>[] | null) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fmw-summary-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'unit.json'), JSON.stringify(results(unit)));
  if (e2e) writeFileSync(path.join(dir, 'e2e.json'), JSON.stringify(results(e2e)));
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'test-summary.mjs'), dir], {
    encoding: 'utf8',
    // No Electron binary here, whatever the machine has: the allow-listed Electron skip's cause holds.
    env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: path.join(dir, 'no-electron') },
  });
  return { status: r.status, lines: r.stdout.trim().split('\n'), stderr: r.stderr };
}

const electronSkip = file('tests/e2e/electron-launch.test.ts', [
  { fullName: 'Electron app opens one hardened window on app:// whose window.workbench answers over IPC — SKIPPED: no Electron binary here', status: 'skipped' },
]);

describe('scripts/test-summary.mjs', () => {
  it('passes with only the allow-listed Electron skip, naming it and its reason', () => {
    const r = summary([file('tests/a.test.ts', [{ fullName: 'a works', status: 'passed' }])], [electronSkip]);
    expect(r.status, r.lines.join('\n')).toBe(0);
    expect(r.lines).toHaveLength(2);
    expect(r.lines[0]).toMatch(/^skipped \(allowed\): tests\/e2e\/electron-launch\.test\.ts › Electron app opens .* — Electron fetches its binary/);
    expect(r.lines[1]).toBe('1 passed, 0 failed, 1 skipped');
  });

  it('fails on any other skip and prints the test and the reason from its title', () => {
    const real = file('tests/engine/data/dataset.real.test.ts', [
      { fullName: 'real Fashion-MNIST (skipped: /usr/share/datasets/fashion-mnist absent; apt-get install dataset-fashion-mnist) loads', status: 'skipped' },
      { fullName: 'something else', status: 'skipped' },
    ]);
    const r = summary([real], [electronSkip]);
    expect(r.status).toBe(1);
    expect(r.lines).toContain('SKIPPED (not allowed): tests/engine/data/dataset.real.test.ts › real Fashion-MNIST (skipped: /usr/share/datasets/fashion-mnist absent; apt-get install dataset-fashion-mnist) loads — /usr/share/datasets/fashion-mnist absent; apt-get install dataset-fashion-mnist');
    expect(r.lines).toContain('SKIPPED (not allowed): tests/engine/data/dataset.real.test.ts › something else — no reason in its title');
    expect(r.lines.at(-1)).toBe('0 passed, 0 failed, 3 skipped; 2 skips not on the allow-list (scripts/test-summary.mjs ALLOWED_SKIPS)');
  });

  it('an allow-list entry covers only its own test: another skip in the same file fails', () => {
    const other = file('tests/e2e/electron-launch.test.ts', [{ fullName: 'Electron app something new', status: 'skipped' }]);
    expect(summary([], [other]).status).toBe(1);
  });

  it('counts a file that failed to load (a prerequisite missing under CI) as a failure, with its message', () => {
    const broken = file('tests/e2e/workbench.test.ts', [], 'CI=true but a test prerequisite is missing: chromium');
    const r = summary([], [broken]);
    expect(r.status).toBe(1);
    expect(r.lines).toContain('FAILED to load tests/e2e/workbench.test.ts: CI=true but a test prerequisite is missing: chromium');
    expect(r.lines.at(-1)).toBe('0 passed, 1 failed, 0 skipped');
  });

  it('fails when a suite produced no results', () => {
    const r = summary([file('tests/a.test.ts', [{ fullName: 'a', status: 'passed' }])], null);
    expect(r.status).toBe(1);
    expect(r.lines[0]).toMatch(/e2e\.json missing \(did the e2e suite run\?\)/);
  });
});
