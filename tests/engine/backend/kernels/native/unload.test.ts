// Tests that worker threads may load the addon, use its thread pool and exit one after another in a process whose
// main thread never loaded it: the library stays mapped (its pool threads and scratch destructors live in it).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { addonPath } from '../../../../../electron/engine/backend/native/addon.js';
import { nativeMissing } from './setup.js';

const fixture = new URL('../../fixtures/native-unload.mjs', import.meta.url).pathname;

describe.skipIf(nativeMissing != null)(`native addon in short-lived workers${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it('three workers in turn: no crash or hang when each exits', () => {
    const r = spawnSync(process.execPath, [fixture, addonPath()], { encoding: 'utf8', timeout: 60_000 });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.stdout).toContain('main alive');
    expect(r.status, r.stderr).toBe(0);
  }, 70_000);
});
