// scripts/audit-electron.mjs: Electronegativity's SARIF judged against the allow-list (exit 0 all accepted, 1 a new finding, 2 bad input).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'audit-electron.mjs');
const dir = mkdtempSync(path.join(os.tmpdir(), 'fmw-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Result { rule: string; uri: string; line?: number; snippet?: string }

/** A SARIF log shaped as scripts/electronegativity-scan.mjs writes it. */
function sarif(results: Result[]): object {
  return {
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'Electronegativity', rules: [] } },
      results: results.map((r) => ({
        ruleId: r.rule,
        level: 'warning',
        message: { text: `message of ${r.rule}` },
        locations: [{ physicalLocation: {
          artifactLocation: { uri: r.uri },
          region: { startLine: r.line ?? 1, startColumn: 1, ...(r.snippet ? { snippet: { text: r.snippet } } : {}) },
        } }],
      })),
    }],
  };
}

const CSP: Result = { rule: 'CSP_GLOBAL_CHECK', uri: 'file:///' };
const GUARDED_OPEN: Result = { rule: 'OPEN_EXTERNAL_JS_CHECK', uri: 'electron/main.js', line: 120, snippet: 'if (isAppLink(url)) void shell.openExternal(url);' };

const ALLOW = {
  accepted: [
    { rule: 'CSP_GLOBAL_CHECK', reason: 'CSP is sent as a response header the scanner cannot see.' },
    { rule: 'OPEN_EXTERNAL_JS_CHECK', file: 'electron/main.js', snippet: 'if (isAppLink(url)) void shell.openExternal(url)', reason: 'Guarded by the app link list.' },
  ],
};

let n = 0;
function audit(log: object, allow: object = ALLOW): { status: number | null; out: string } {
  n += 1;
  const sarifFile = path.join(dir, `log-${n}.sarif`);
  const allowFile = path.join(dir, `allow-${n}.json`);
  writeFileSync(sarifFile, JSON.stringify(log));
  writeFileSync(allowFile, JSON.stringify(allow));
  const r = spawnSync(process.execPath, [SCRIPT, '--sarif', sarifFile, '--allow', allowFile], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe('scripts/audit-electron.mjs', () => {
  it('passes when every finding is accepted, and prints the reason for each', () => {
    const r = audit(sarif([CSP, GUARDED_OPEN, { ...GUARDED_OPEN, line: 300 }]));
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('3 finding(s), all accepted');
    expect(r.out).toContain('because: Guarded by the app link list.');
  });

  it('fails on a finding of a rule nobody accepted, naming rule, file and line', () => {
    const r = audit(sarif([CSP, GUARDED_OPEN, { rule: 'NODE_INTEGRATION_JS_CHECK', uri: 'electron/main.js', line: 42, snippet: 'nodeIntegration: true,' }]));
    expect(r.status, r.out).toBe(1);
    expect(r.out).toMatch(/NEW\s+NODE_INTEGRATION_JS_CHECK at electron\/main\.js:42 `nodeIntegration: true,`/);
    expect(r.out).toContain('1 of 3 finding(s) not accepted');
  });

  it('fails when an accepted rule turns up in code the acceptance does not describe', () => {
    const unguarded = { ...GUARDED_OPEN, snippet: 'shell.openExternal(event.url);' };
    expect(audit(sarif([unguarded])).status).toBe(1);
    expect(audit(sarif([{ ...GUARDED_OPEN, uri: 'renderer/assets/index.js' }])).status).toBe(1);
  });

  it('does not let an app-level acceptance cover the same rule reported in a file', () => {
    const r = audit(sarif([{ rule: 'CSP_GLOBAL_CHECK', uri: 'renderer/index.html', line: 3, snippet: '<meta http-equiv="Content-Security-Policy">' }]));
    expect(r.status, r.out).toBe(1);
  });

  it('reports allow-list entries that matched nothing as stale, without failing', () => {
    const r = audit(sarif([CSP]));
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/stale\s+allow-list entry OPEN_EXTERNAL_JS_CHECK/);
  });

  it('refuses an allow-list entry without a reason, and a file that is not SARIF (exit 2)', () => {
    const noReason = audit(sarif([CSP]), { accepted: [{ rule: 'CSP_GLOBAL_CHECK' }] });
    expect(noReason.status).toBe(2);
    expect(noReason.out).toMatch(/entry 1 \(CSP_GLOBAL_CHECK\) needs a "reason"/);
    const notSarif = audit({ findings: [] });
    expect(notSarif.status).toBe(2);
    expect(notSarif.out).toContain('not a SARIF log');
  });

  it('accepts the project\'s own allow-list as well-formed, and treats a missing SARIF as bad input, not a pass', () => {
    const empty = path.join(dir, 'empty.sarif');
    const missing = spawnSync(process.execPath, [SCRIPT, '--sarif', empty], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    writeFileSync(empty, JSON.stringify(sarif([])));
    const r = spawnSync(process.execPath, [SCRIPT, '--sarif', empty], { encoding: 'utf8' });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('0 finding(s), all accepted');
  });
});
