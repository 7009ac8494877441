// Tests where the engine finds the native addon and what loading it says: the built file loads with the engine's API
// version, and a missing, stale or broken file gives the documented reason instead of a crash.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { addonPath, loadNativeAt, NATIVE_API_VERSION, NATIVE_KERNELS, NATIVE_PATH_COUNTERS } from '../../../electron/engine/backend/native/addon.js';
import { requireInCi } from '../../helpers/ciRequire.js';

const tmp = mkdtempSync(join(tmpdir(), 'native-path-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const built = loadNativeAt(addonPath());
const present = requireInCi(built.ok, `the native kernel addon (${built.ok ? '' : built.reason})`);
if (!present) console.warn(`native addon tests skipped: ${built.ok ? '' : built.reason}`);

describe('addonPath and loadNativeAt', () => {
  afterEach(() => {
    delete process.env.WORKBENCH_NATIVE_ADDON;
  });

  it('honours WORKBENCH_NATIVE_ADDON', () => {
    process.env.WORKBENCH_NATIVE_ADDON = join(tmp, 'elsewhere.node');
    expect(addonPath()).toBe(join(tmp, 'elsewhere.node'));
  });

  it('a missing file gives the documented reason (not built, the path, how to build)', () => {
    const r = loadNativeAt(join(tmp, 'missing.node'));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toBe(`native kernels not built (${join(tmp, 'missing.node')} missing; run npm run build:native)`);
  });

  it('a file that is not a loadable addon is refused with the loader\'s reason', () => {
    const bad = join(tmp, 'garbage.node');
    writeFileSync(bad, 'not an ELF shared object');
    const r = loadNativeAt(bad);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/^native kernels failed to load: /);
  });

  it.skipIf(!present)(`the addon native/build holds loads, with API version ${NATIVE_API_VERSION} and every kernel`, () => {
    const p = addonPath();
    expect(p).toMatch(/native[\\/]build[\\/]tfjs_native\.node$/);
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(built.path).toBe(p);
    expect(built.addon.apiVersion).toBe(NATIVE_API_VERSION);
    for (const k of NATIVE_KERNELS) expect(typeof built.addon[k], k).toBe('function');
    expect(Object.keys(built.addon.counts()).sort()).toEqual([...NATIVE_KERNELS, ...NATIVE_PATH_COUNTERS].sort());
    expect(built.addon.isa()).toMatch(/^(avx512f|avx2\+fma|generic|openblas)$/);
  });

  it.skipIf(!present)('a copy of the addon loads from WORKBENCH_NATIVE_ADDON\'s kind of path (outside the tree)', () => {
    const copy = join(tmp, 'copy.node');
    copyFileSync(addonPath(), copy);
    const r = loadNativeAt(copy);
    expect(r.ok && r.addon.apiVersion).toBe(NATIVE_API_VERSION);
  });
});
