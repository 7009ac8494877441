// Test helpers: the poppler tools (pdftotext, pdftoppm, pdfinfo, pdffonts) run on a written report.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';

const run = promisify(execFile);

export const popplerPresent = ['pdftotext', 'pdftoppm', 'pdfinfo', 'pdffonts'].every((t) => existsSync(`/usr/bin/${t}`));

/** Whitespace (including no-break spaces) collapsed to single spaces, so layout does not decide a match. */
export function squash(text: string): string {
  return text.replace(/[\s\u00a0]+/g, ' ').trim();
}

export async function pdfText(file: string, page?: number, layout = false): Promise<string> {
  const range = page === undefined ? [] : ['-f', String(page), '-l', String(page)];
  const { stdout } = await run('pdftotext', [...range, ...(layout ? ['-layout'] : []), '-enc', 'UTF-8', file, '-'], { maxBuffer: 64 << 20 });
  return stdout;
}

export async function pdfInfo(file: string): Promise<{ pages: number; width: number; height: number; title: string }> {
  const { stdout } = await run('pdfinfo', [file]);
  const pages = Number(/^Pages:\s+(\d+)/m.exec(stdout)?.[1]);
  const size = /^Page size:\s+([\d.]+) x ([\d.]+) pts/m.exec(stdout);
  return { pages, width: Number(size?.[1]), height: Number(size?.[2]), title: /^Title:\s+(.*)$/m.exec(stdout)?.[1] ?? '' };
}

export async function pdfFonts(file: string): Promise<{ name: string; type: string; embedded: boolean }[]> {
  const { stdout } = await run('pdffonts', [file]);
  return stdout
    .split('\n')
    .slice(2)
    .filter((l) => l.trim())
    .map((l) => {
      const cols = l.trim().split(/\s+/);
      // name type… encoding emb sub uni id gen: emb is the fifth column from the end.
      return { name: cols[0], type: cols.slice(1, -6).join(' '), embedded: cols[cols.length - 5] === 'yes' };
    });
}

/** Renders every page to PNG; returns the file names and poppler's complaints on stderr. */
export async function renderPages(file: string, outDir: string, dpi = 30): Promise<{ pngs: string[]; stderr: string }> {
  const { stderr } = await run('pdftoppm', ['-r', String(dpi), '-png', file, `${outDir}/page`]);
  const pngs = (await readdir(outDir)).filter((f) => f.startsWith('page') && f.endsWith('.png'));
  return { pngs, stderr };
}

export interface WordBox {
  page: number;
  pageWidth: number;
  pageHeight: number;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
  text: string;
}

export async function wordBoxes(file: string): Promise<WordBox[]> {
  const { stdout } = await run('pdftotext', ['-bbox', file, '-'], { maxBuffer: 128 << 20 });
  const out: WordBox[] = [];
  let page = 0;
  let pageWidth = 0;
  let pageHeight = 0;
  for (const line of stdout.split('\n')) {
    const p = /<page width="([\d.]+)" height="([\d.]+)">/.exec(line);
    if (p) {
      page++;
      pageWidth = Number(p[1]);
      pageHeight = Number(p[2]);
      continue;
    }
    const w = /<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">(.*)<\/word>/.exec(line);
    if (w) out.push({ page, pageWidth, pageHeight, xMin: Number(w[1]), yMin: Number(w[2]), xMax: Number(w[3]), yMax: Number(w[4]), text: w[5] });
  }
  return out;
}

/** Contents entries ("3.1  seed-ann  7") read from the contents pages as laid out; the appendix is always the last entry. */
export async function contentsEntries(file: string): Promise<{ number: string; title: string; page: number }[]> {
  const entries: { number: string; title: string; page: number }[] = [];
  for (let p = 2; p <= 4 && !entries.some((e) => e.title.startsWith('Appendix')); p++) {
    for (const line of (await pdfText(file, p, true)).split('\n')) {
      const m = /^\s*(\d+(?:\.\d+)*)\s+(.*?)\s+(\d+)\s*$/.exec(line);
      if (m) entries.push({ number: m[1], title: m[2], page: Number(m[3]) });
    }
  }
  return entries;
}
