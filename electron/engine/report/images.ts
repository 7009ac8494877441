// Sample images in the report (engine/report): 28×28 grey images drawn as vector cells, sharp at any zoom.
import { IMAGE_PIXELS, IMAGE_SIZE } from '../../../shared/classes.js';
import { COLORS, SIZES, type ReportDocument } from './document.js';
import { FONT } from './fonts.js';
import { ReportError } from './errors.js';

/**
 * Draw one image with its top-left corner at (x, y), `size` points wide. Equal neighbours in a row merge into one
 * rectangle; each cell overlaps its right and lower neighbours slightly (they are drawn later and cover the
 * overlap), so viewers show no hairline seams between cells.
 */
export function drawGrayImage(doc: ReportDocument, pixels: Uint8Array, x: number, y: number, size: number): void {
  if (pixels.length !== IMAGE_PIXELS) throw new ReportError(`an image needs ${IMAGE_PIXELS} bytes, got ${pixels.length}`, 'images');
  const pdf = doc.pdf;
  const s = size / IMAGE_SIZE;
  const overlap = s * 0.25;
  for (let r = 0; r < IMAGE_SIZE; r++) {
    let c = 0;
    while (c < IMAGE_SIZE) {
      const v = pixels[r * IMAGE_SIZE + c];
      let end = c + 1;
      while (end < IMAGE_SIZE && pixels[r * IMAGE_SIZE + end] === v) end++;
      const w = (end - c) * s + (end < IMAGE_SIZE ? overlap : 0);
      const h = s + (r < IMAGE_SIZE - 1 ? overlap : 0);
      pdf.rect(x + c * s, y + r * s, w, h).fillColor([v, v, v]).fill();
      c = end;
    }
  }
  pdf.rect(x, y, size, size).lineWidth(0.3).strokeColor(COLORS.rule).stroke();
}

export interface Tile {
  pixels: Uint8Array;
  /** Lines under the image (class, prediction, probability). */
  lines: string[];
  /** Colour of the second line, e.g. red for a wrong prediction. */
  accent?: string;
}

/**
 * A grid of images with captions under each, `perRow` across the text width; rows never split across pages.
 * Returns the figure number when `caption` is given.
 */
interface GridOptions {
  perRow: number;
  caption?: string;
  labelSize?: number;
  rowLabels?: string[];
  keepTogether?: boolean;
  maxSize?: number;
}

function gridLayout(doc: ReportDocument, tiles: readonly Tile[], o: GridOptions) {
  const labelSize = o.labelSize ?? SIZES.small - 1;
  const labelW = o.rowLabels ? 70 : 0;
  const gap = 6;
  const cell = (doc.width - labelW - gap * (o.perRow - 1)) / o.perRow;
  const img = Math.min(cell, o.maxSize ?? 96);
  const lineH = doc.lineHeight(labelSize);
  const maxLines = Math.max(0, ...tiles.map((t) => t.lines.length));
  const textH = tiles.some((t) => t.lines.length > 0)
    ? Math.max(...tiles.map((t) => t.lines.reduce((a, l) => a + doc.textHeight(l, cell, FONT.sans, labelSize), 0)), maxLines * lineH)
    : 0;
  const rowH = img + (textH > 0 ? textH + 3 : 0) + gap;
  const rows = Math.ceil(tiles.length / o.perRow);
  const capH = o.caption ? doc.textHeight(`Figure 00: ${o.caption}`, doc.width, FONT.oblique, SIZES.caption) + 10 : 0;
  return { labelSize, labelW, gap, cell, img, rowH, rows, capH, total: rows * rowH + capH };
}

/** Height the grid takes, so a heading can stay with it. */
export function imageGridHeight(doc: ReportDocument, tiles: readonly Tile[], o: GridOptions): number {
  return gridLayout(doc, tiles, o).total;
}

/**
 * A grid of images with captions under each, `perRow` across the text width; rows never split across pages.
 * Returns the figure number when `caption` is given.
 */
export function imageGrid(doc: ReportDocument, tiles: readonly Tile[], o: GridOptions): number | null {
  const { labelSize, labelW, gap, cell, img, rowH, rows, capH, total } = gridLayout(doc, tiles, o);
  if (o.keepTogether && total <= doc.pageHeight) doc.ensure(total);
  for (let r = 0; r < rows; r++) {
    const last = r === rows - 1;
    doc.ensure(rowH + (last ? capH : 0));
    const y = doc.y;
    if (o.rowLabels?.[r]) {
      doc.setFont(FONT.bold, SIZES.small);
      doc.pdf.fillColor(COLORS.text).text(o.rowLabels[r], doc.left, y + img / 2 - 4, { width: labelW - 6, lineBreak: true });
    }
    for (let k = 0; k < o.perRow; k++) {
      const t = tiles[r * o.perRow + k];
      if (!t) break;
      const x = doc.left + labelW + k * (cell + gap);
      drawGrayImage(doc, t.pixels, x + (cell - img) / 2, y, img);
      let ty = y + img + 2;
      t.lines.forEach((line, i) => {
        doc.setFont(i === 0 ? FONT.bold : FONT.sans, labelSize);
        doc.pdf.fillColor(i === 1 && t.accent ? t.accent : COLORS.text).text(line, x, ty, { width: cell, align: 'center', lineGap: 0.5 });
        ty = doc.pdf.y;
      });
    }
    doc.pdf.fillColor(COLORS.text);
    doc.y = y + rowH;
    doc.pdf.x = doc.left;
  }
  if (!o.caption) return null;
  const figureNo = doc.nextFigure();
  doc.caption(`Figure ${figureNo}: ${o.caption}`);
  return figureNo;
}
