// Report fonts (engine/report): the DejaVu faces embedded in every PDF, located through the dejavu-fonts-ttf package.
import { createRequire } from 'node:module';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { ReportError } from './errors.js';

/** Names the report registers its faces under; svg-to-pdfkit's font callback maps chart text onto them. */
export const FONT = {
  sans: 'Sans',
  bold: 'Sans-Bold',
  oblique: 'Sans-Oblique',
  mono: 'Mono',
} as const;
export type FontName = (typeof FONT)[keyof typeof FONT];

const FILES: Record<FontName, string> = {
  Sans: 'DejaVuSans.ttf',
  'Sans-Bold': 'DejaVuSans-Bold.ttf',
  'Sans-Oblique': 'DejaVuSans-Oblique.ttf',
  Mono: 'DejaVuSansMono.ttf',
};

let cached: Record<FontName, string> | null = null;

/** Absolute path of each face; fails with what to install when the package is missing. */
export function fontFiles(): Record<FontName, string> {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  } catch (err) {
    throw new ReportError('the dejavu-fonts-ttf package is not installed; run npm install (the report embeds its fonts)', 'fonts', { cause: err });
  }
  const files = Object.fromEntries(Object.entries(FILES).map(([k, f]) => [k, path.join(dir, f)])) as Record<FontName, string>;
  for (const file of Object.values(files)) {
    if (!existsSync(file)) throw new ReportError(`font file ${file} is missing; reinstall dejavu-fonts-ttf`, 'fonts');
  }
  cached = files;
  return files;
}

/** svg-to-pdfkit's fontCallback: every chart family maps onto an embedded face, so no standard-14 font sneaks in. */
export function chartFont(family: string | undefined, bold: boolean): FontName {
  if (family && /mono/i.test(family)) return FONT.mono;
  return bold ? FONT.bold : FONT.sans;
}
