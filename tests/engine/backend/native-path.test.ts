import { describe, it, expect, afterEach } from 'vitest';
import { existsSync } from 'node:fs';
import { addonPath } from '../../../electron/engine/backend/native/addon.js';

describe('addonPath', () => {
  afterEach(() => {
    delete process.env.WORKBENCH_NATIVE_ADDON;
  });

  it('honours WORKBENCH_NATIVE_ADDON', () => {
    process.env.WORKBENCH_NATIVE_ADDON = '/opt/app/tfjs_native.node';
    expect(addonPath()).toBe('/opt/app/tfjs_native.node');
  });

  it('finds the addon that postinstall built in native/build, from the source tree', () => {
    const p = addonPath();
    expect(p).toMatch(/native[\\/]build[\\/]tfjs_native\.node$/);
  });
});
