// Tables for the report (engine/report): measured column widths, wrapped cells, page breaks that repeat the header.
import { COLORS, SIZES, type ReportDocument } from './document.js';
import { FONT, type FontName } from './fonts.js';

export interface Column {
  header: string;
  align?: 'left' | 'right' | 'center';
  font?: FontName;
  /** Fixed share of the table width (0..1); other columns share what is left by their content. */
  share?: number;
}

export interface CellStyle {
  font?: FontName;
  color?: string;
  fill?: string;
}

export interface TableOptions {
  caption?: string;
  size?: number;
  /** Style of a whole row (totals, averages). */
  rowStyle?: (row: number) => CellStyle | undefined;
  /** Style of one cell, applied over the row style. */
  cellStyle?: (row: number, col: number) => CellStyle | undefined;
  zebra?: boolean;
  /** Narrower than the text width when the content is short (centred). */
  compact?: boolean;
  after?: number;
}

const PAD_X = 4;
const PAD_Y = 2.6;

/** The widest word; with `atHyphens`, the widest piece between break points, as PDFKit also breaks after hyphens. */
function longestWord(text: string, atHyphens: boolean): string {
  return text.split(atHyphens ? /\s+|(?<=-)/ : /\s+/).reduce((a, b) => (b.length > a.length ? b : a), '');
}

/** Column widths that fit `total`: natural widths when they fit, otherwise shrink wide columns towards their longest word. */
export function columnWidths(doc: ReportDocument, columns: readonly Column[], rows: readonly (readonly string[])[], total: number, size: number, compact: boolean): number[] {
  const cells = (c: number) => [columns[c].header, ...rows.map((r) => r[c] ?? '')];
  // Bold is the widest face a cell may take (totals rows), so measuring with it never truncates.
  const fontOf = (c: number, row: number) => (row > 0 && columns[c].font === FONT.mono ? FONT.mono : FONT.bold);
  const natural = columns.map((_, c) => Math.max(...cells(c).map((t, r) => doc.textWidth(t, fontOf(c, r), size))) + 2 * PAD_X + 0.5);
  const minimumOf = (atHyphens: boolean) =>
    columns.map((_, c) =>
      // One unbreakable giant (a long model name) may not starve the other columns: it wraps by characters instead.
      Math.min(natural[c], total * 0.35, Math.max(...cells(c).map((t, r) => doc.textWidth(longestWord(t, atHyphens), fontOf(c, r), size))) + 2 * PAD_X + 0.5),
    );
  const fixed = columns.map((col) => (col.share ? col.share * total : null));
  const fixedSum = fixed.reduce<number>((a, b) => a + (b ?? 0), 0);
  const free = columns.map((_, c) => c).filter((c) => fixed[c] === null);
  const room = total - fixedSum;
  // Whole words when they fit; only a table too narrow for them breaks "mlp-wide-seed43" after its hyphens.
  const byWords = minimumOf(false);
  const minimum = free.reduce((a, c) => a + byWords[c], 0) <= room ? byWords : minimumOf(true);
  const nat = free.reduce((a, c) => a + natural[c], 0);
  const widths = fixed.map((f) => f ?? 0);
  if (nat <= room) {
    const extra = compact ? 0 : room - nat;
    for (const c of free) widths[c] = natural[c] + (nat > 0 ? (extra * natural[c]) / nat : extra / free.length);
    return widths;
  }
  const min = free.reduce((a, c) => a + minimum[c], 0);
  if (min >= room) {
    for (const c of free) widths[c] = (minimum[c] * room) / min;
    return widths;
  }
  const slack = free.reduce((a, c) => a + (natural[c] - minimum[c]), 0);
  for (const c of free) widths[c] = minimum[c] + ((room - min) * (natural[c] - minimum[c])) / slack;
  return widths;
}

/** Draw a table at the cursor; rows that do not fit start a new page under a repeated header. */
export function table(doc: ReportDocument, columns: readonly Column[], rows: readonly (readonly string[])[], o: TableOptions = {}): void {
  const size = o.size ?? SIZES.body - 0.5;
  const pdf = doc.pdf;
  const widths = columnWidths(doc, columns, rows, doc.width, size, o.compact ?? false);
  const tableWidth = widths.reduce((a, b) => a + b, 0);
  const x0 = doc.left + (doc.width - tableWidth) / 2;

  const rowHeight = (cells: readonly string[], fonts: (c: number) => FontName) =>
    Math.max(...cells.map((t, c) => doc.textHeight(t || ' ', widths[c] - 2 * PAD_X, fonts(c), size))) + 2 * PAD_Y;
  const headerCells = columns.map((c) => c.header);
  const headerH = rowHeight(headerCells, () => FONT.bold);
  const styleOf = (r: number, c: number): CellStyle => ({ ...(o.rowStyle?.(r) ?? {}), ...(o.cellStyle?.(r, c) ?? {}) });
  const heights = rows.map((cells, r) => rowHeight(cells, (c) => styleOf(r, c).font ?? columns[c].font ?? FONT.sans));

  // A short table is never split: it moves to the next page whole.
  const captionH = o.caption ? doc.textHeight(`Table 00: ${o.caption}`, doc.width, FONT.oblique, SIZES.caption) + 4 : 0;
  const totalH = captionH + headerH + heights.reduce((a, b) => a + b, 0);
  if (totalH <= doc.pageHeight * 0.6) doc.ensure(totalH);
  if (o.caption) {
    const captionLabel = `Table ${doc.nextTable()}: ${o.caption}`;
    const capH = doc.textHeight(captionLabel, doc.width, FONT.oblique, SIZES.caption) + 4;
    doc.ensure(capH + headerH + (heights[0] ?? 0));
    doc.paragraph(captionLabel, { font: FONT.oblique, size: SIZES.caption, color: COLORS.muted, after: 2 });
  } else {
    doc.ensure(headerH + (heights[0] ?? 0));
  }

  const drawRow = (cells: readonly string[], y: number, h: number, style: (c: number) => CellStyle, header: boolean) => {
    let x = x0;
    cells.forEach((text, c) => {
      const s = style(c);
      if (s.fill) pdf.rect(x, y, widths[c], h).fillColor(s.fill).fill();
      const font = s.font ?? (header ? FONT.bold : columns[c].font ?? FONT.sans);
      doc.setFont(font, size);
      pdf.fillColor(s.color ?? COLORS.text).text(text, x + PAD_X, y + PAD_Y, {
        width: widths[c] - 2 * PAD_X,
        align: columns[c].align ?? 'left',
        lineGap: SIZES.lineGap,
      });
      x += widths[c];
    });
  };
  const drawHeader = () => {
    const y = doc.y;
    pdf.rect(x0, y, tableWidth, headerH).fillColor(COLORS.headerFill).fill();
    drawRow(headerCells, y, headerH, () => ({}), true);
    pdf.moveTo(x0, y + headerH).lineTo(x0 + tableWidth, y + headerH).lineWidth(0.6).strokeColor(COLORS.rule).stroke();
    doc.y = y + headerH;
  };

  drawHeader();
  rows.forEach((cells, r) => {
    const h = heights[r];
    if (doc.y + h > doc.bottom) {
      doc.newPage();
      drawHeader();
    }
    const y = doc.y;
    if ((o.zebra ?? true) && r % 2 === 1) pdf.rect(x0, y, tableWidth, h).fillColor(COLORS.zebra).fill();
    drawRow(cells, y, h, (c) => styleOf(r, c), false);
    doc.y = y + h;
  });
  pdf.moveTo(x0, doc.y).lineTo(x0 + tableWidth, doc.y).lineWidth(0.6).strokeColor(COLORS.rule).stroke();
  pdf.fillColor(COLORS.text);
  pdf.x = doc.left;
  doc.space(o.after ?? 10);
}

/** Two-column "what: value" table without a header band, for settings and environment facts. */
export function keyValueTable(doc: ReportDocument, rows: ReadonlyArray<readonly [string, string]>, o: TableOptions & { headers?: [string, string] } = {}): void {
  const headers = o.headers ?? ['Item', 'Value'];
  table(doc, [{ header: headers[0], font: FONT.bold, share: 0.28 }, { header: headers[1] }], rows, { zebra: true, ...o });
}
