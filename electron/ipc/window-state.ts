// Desktop shell: remembers the main window's size and position in a small JSON file in userData.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export interface Rect { x: number; y: number; width: number; height: number }

const WindowStateSchema = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(400).max(20000),
  height: z.number().int().min(300).max(20000),
  maximized: z.boolean().default(false),
});
export type WindowState = z.infer<typeof WindowStateSchema>;

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1400, height: 900, maximized: false };

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Keeps a remembered window reachable: a position no display shows enough of (a monitor was unplugged)
 * is dropped so the window opens centred, and the size is capped to the largest display.
 */
export function fitToDisplays(state: WindowState, workAreas: readonly Rect[]): WindowState {
  if (workAreas.length === 0) return state;
  const maxW = Math.max(...workAreas.map((d) => d.width));
  const maxH = Math.max(...workAreas.map((d) => d.height));
  const fitted: WindowState = { ...state, width: Math.min(state.width, maxW), height: Math.min(state.height, maxH) };
  if (fitted.x === undefined || fitted.y === undefined) return { ...fitted, x: undefined, y: undefined };
  const rect = { x: fitted.x, y: fitted.y, width: fitted.width, height: fitted.height };
  // At least a quarter of the window (or 100×100 px) must be visible on some display.
  const needed = Math.min(rect.width * rect.height * 0.25, 100 * 100);
  const visible = workAreas.some((d) => overlap(rect, d) >= needed);
  return visible ? fitted : { ...fitted, x: undefined, y: undefined };
}

/** Reads the remembered state; a missing or damaged file gives the defaults (the window must open regardless). */
export function loadWindowState(file: string, workAreas: readonly Rect[]): WindowState {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return fitToDisplays(DEFAULT_WINDOW_STATE, workAreas);
  }
  const parsed = WindowStateSchema.safeParse(raw);
  return fitToDisplays(parsed.success ? parsed.data : DEFAULT_WINDOW_STATE, workAreas);
}

export function saveWindowState(file: string, state: WindowState): void {
  const valid = WindowStateSchema.parse(state);
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(valid, null, 2));
  renameSync(tmp, file);
}
