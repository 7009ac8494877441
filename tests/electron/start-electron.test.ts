// `npm start` without an Electron binary: one clear line pointing at `npm run web`, non-zero exit, nothing built or launched.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

describe('scripts/start-electron.mjs', () => {
  it('says in one line that Electron is unavailable and suggests npm run web', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'start-electron.mjs')], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      // No binary at the override path, and a mirror that refuses at once: the download attempt fails fast and offline.
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: path.join(ROOT, 'scratch', 'no-electron-here'), ELECTRON_MIRROR: 'http://127.0.0.1:9/' },
    });
    expect(r.status).not.toBe(0);
    const lines = `${r.stdout}${r.stderr}`.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Electron/);
    expect(lines[0]).toContain('npm run web');
  });
});
