// Remembered window bounds: survives damage, keeps the window on a connected display.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_WINDOW_STATE, fitToDisplays, loadWindowState, saveWindowState } from '../../../electron/ipc/window-state.js';

const display = { x: 0, y: 0, width: 1920, height: 1080 };
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fmw-win-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('window state', () => {
  it('round-trips what was saved', () => {
    const file = path.join(dir, 'nested', 'window-state.json');
    saveWindowState(file, { x: 100, y: 50, width: 1200, height: 800, maximized: true });
    expect(loadWindowState(file, [display])).toEqual({ x: 100, y: 50, width: 1200, height: 800, maximized: true });
  });

  it('falls back to the defaults for a missing or damaged file', () => {
    expect(loadWindowState(path.join(dir, 'none.json'), [display])).toMatchObject({ width: DEFAULT_WINDOW_STATE.width });
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, '{"width": "huge"');
    expect(loadWindowState(file, [display])).toMatchObject({ width: DEFAULT_WINDOW_STATE.width, height: DEFAULT_WINDOW_STATE.height });
    writeFileSync(file, JSON.stringify({ width: 10, height: 10 }));
    expect(loadWindowState(file, [display]).width).toBe(DEFAULT_WINDOW_STATE.width);
  });

  it('drops a position on a display that is no longer connected, and caps the size', () => {
    const fitted = fitToDisplays({ x: 2500, y: 100, width: 2400, height: 900, maximized: false }, [display]);
    expect(fitted.x).toBeUndefined();
    expect(fitted.y).toBeUndefined();
    expect(fitted.width).toBe(1920);
  });

  it('keeps a position that is mostly visible', () => {
    expect(fitToDisplays({ x: 1500, y: 100, width: 1000, height: 700, maximized: false }, [display])).toMatchObject({ x: 1500, y: 100 });
  });
});
