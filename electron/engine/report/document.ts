// Page layout over PDFKit (engine/report): measured text, numbered headings for the contents, figures, footers.
import PDFDocument from 'pdfkit';
import { fontFiles, FONT, type FontName } from './fonts.js';
import { LIGHT_THEME, STATUS_COLORS } from '../../../shared/charts/theme.js';

export type PageSize = 'A4' | 'LETTER';

export interface TocEntry {
  level: number;
  number: string;
  title: string;
  page: number;
  dest: string;
}

// Text, accent and better/worse colours are the screen's (shared/charts/theme.ts); the rest is paper-only (rules, table fills).
export const COLORS = {
  text: LIGHT_THEME.text,
  muted: LIGHT_THEME.textMuted,
  accent: STATUS_COLORS.light.accent,
  rule: '#c9d1d9',
  headerFill: '#e8eef5',
  zebra: '#f6f8fa',
  good: STATUS_COLORS.light.ok,
  bad: STATUS_COLORS.light.bad,
} as const;

export const SIZES = { body: 9.5, small: 8, caption: 8.5, h1: 16, h2: 12.5, h3: 10.5, lineGap: 2.2 } as const;

export interface TextOptions {
  font?: FontName;
  size?: number;
  color?: string;
  align?: 'left' | 'right' | 'center' | 'justify';
  indent?: number;
  /** Space after the block, in points. */
  after?: number;
}

export interface ReportDocumentOptions {
  pageSize: PageSize;
  title: string;
  /** Footer text beside the page number. */
  footer: string;
  createdAt: Date;
  author: string;
}

/** One PDF under construction: a cursor that never writes past the bottom margin without starting a page. */
export class ReportDocument {
  readonly pdf: PDFKit.PDFDocument;
  readonly headings: TocEntry[] = [];
  private readonly counters = [0, 0, 0];
  private figures = 0;
  private tables = 0;
  private readonly opts: ReportDocumentOptions;
  private readonly chunks: Buffer[] = [];
  /** Pages without footer (the title page). */
  private readonly bare = new Set<number>();
  private outlineStack: PDFKit.PDFOutline[] = [];

  constructor(opts: ReportDocumentOptions) {
    this.opts = opts;
    this.pdf = new PDFDocument({
      size: opts.pageSize,
      margins: { top: 62, bottom: 66, left: 58, right: 58 },
      bufferPages: true,
      autoFirstPage: true,
      compress: true,
      pdfVersion: '1.7',
      lang: 'en',
      displayTitle: true,
      info: {
        Title: opts.title,
        Author: opts.author,
        Creator: opts.author,
        Producer: 'PDFKit',
        CreationDate: opts.createdAt,
        ModDate: opts.createdAt,
      },
    });
    const files = fontFiles();
    for (const [name, file] of Object.entries(files)) this.pdf.registerFont(name, file);
    this.pdf.font(FONT.sans).fontSize(SIZES.body).fillColor(COLORS.text);
    this.pdf.on('data', (c: Buffer) => this.chunks.push(c));
  }

  get left(): number { return this.pdf.page.margins.left; }
  get width(): number { return this.pdf.page.width - this.pdf.page.margins.left - this.pdf.page.margins.right; }
  get top(): number { return this.pdf.page.margins.top; }
  get bottom(): number { return this.pdf.page.height - this.pdf.page.margins.bottom; }
  get pageHeight(): number { return this.bottom - this.top; }
  get y(): number { return this.pdf.y; }
  set y(v: number) { this.pdf.y = v; }
  get remaining(): number { return this.bottom - this.pdf.y; }
  /** 1-based number of the current page. */
  get page(): number { return this.pdf.bufferedPageRange().start + this.pdf.bufferedPageRange().count; }

  newPage(): void {
    this.pdf.addPage();
    this.pdf.x = this.left;
    this.pdf.y = this.top;
  }

  /** Start a page unless `height` points still fit below the cursor. */
  ensure(height: number): void {
    if (this.pdf.y > this.top + 0.5 && this.pdf.y + height > this.bottom) this.newPage();
  }

  space(points: number): void {
    if (this.pdf.y + points > this.bottom) this.newPage();
    else this.pdf.y += points;
  }

  markBare(): void {
    this.bare.add(this.page);
  }

  setFont(font: FontName, size: number): this {
    this.pdf.font(font).fontSize(size);
    return this;
  }

  lineHeight(size: number = SIZES.body, font: FontName = FONT.sans): number {
    this.setFont(font, size);
    return this.pdf.currentLineHeight(true) + SIZES.lineGap;
  }

  textHeight(text: string, width: number, font: FontName = FONT.sans, size: number = SIZES.body): number {
    this.setFont(font, size);
    return this.pdf.heightOfString(text, { width, lineGap: SIZES.lineGap });
  }

  textWidth(text: string, font: FontName = FONT.sans, size: number = SIZES.body): number {
    this.setFont(font, size);
    return this.pdf.widthOfString(text);
  }

  /** A paragraph that flows across pages; at least two lines stay together. */
  paragraph(text: string, o: TextOptions = {}): void {
    const font = o.font ?? FONT.sans;
    const size = o.size ?? SIZES.body;
    const indent = o.indent ?? 0;
    const width = this.width - indent;
    const h = this.textHeight(text, width, font, size);
    this.ensure(Math.min(h, 2 * this.lineHeight(size, font)));
    this.setFont(font, size);
    this.pdf.fillColor(o.color ?? COLORS.text).text(text, this.left + indent, this.pdf.y, {
      width,
      align: o.align ?? 'left',
      lineGap: SIZES.lineGap,
    });
    this.pdf.fillColor(COLORS.text);
    this.pdf.x = this.left;
    this.space(o.after ?? 5);
  }

  /** Height a chart figure of `ratio` (height / width) over `fraction` of the text width takes with its caption. */
  figureHeight(ratio: number, fraction = 1): number {
    return Math.min(this.pageHeight, this.width * fraction * ratio + 28);
  }

  /**
   * A numbered heading, kept with `keep` points of what follows; registered for the contents and the PDF outline.
   * Level 0 is an unnumbered heading that still appears in the contents.
   */
  heading(level: 0 | 1 | 2 | 3, title: string, keep = 90): TocEntry {
    let number = '';
    if (level > 0) {
      this.counters[level - 1] += 1;
      for (let i = level; i < this.counters.length; i++) this.counters[i] = 0;
      number = this.counters.slice(0, level).join('.');
    }
    const effective = level === 0 ? 1 : level;
    const size = effective === 1 ? SIZES.h1 : effective === 2 ? SIZES.h2 : SIZES.h3;
    const label = number ? `${number}  ${title}` : title;
    const before = effective === 1 ? 14 : effective === 2 ? 9 : 6;
    const h = this.textHeight(label, this.width, FONT.bold, size);
    if (this.pdf.y > this.top + 0.5) {
      // Chapters open a page; lower levels stay with `keep` points of what follows (capped at a page).
      if (effective === 1 || this.pdf.y + before + h + Math.min(keep, this.pageHeight - h - before) > this.bottom) this.newPage();
      else this.pdf.y += before;
    }
    const dest = `sec-${this.headings.length + 1}`;
    this.pdf.addNamedDestination(dest, 'XYZ', this.left, Math.max(0, this.pdf.y - 6), null);
    this.setFont(FONT.bold, size);
    this.pdf.fillColor(effective === 1 ? COLORS.accent : COLORS.text).text(label, this.left, this.pdf.y, { width: this.width, lineGap: 1 });
    if (effective === 1) {
      const ruleY = this.pdf.y + 1;
      this.pdf.moveTo(this.left, ruleY).lineTo(this.left + this.width, ruleY).lineWidth(0.6).strokeColor(COLORS.rule).stroke();
      this.pdf.y = ruleY + 6;
    } else {
      this.pdf.y += 3;
    }
    this.pdf.fillColor(COLORS.text);
    this.pdf.x = this.left;
    const entry: TocEntry = { level: effective, number, title, page: this.page, dest };
    this.headings.push(entry);
    this.addOutline(effective, label);
    return entry;
  }

  private addOutline(level: number, label: string): void {
    const parent = level <= 1 ? this.pdf.outline : this.outlineStack[level - 2] ?? this.pdf.outline;
    const item = parent.addItem(label);
    this.outlineStack[level - 1] = item;
    this.outlineStack.length = level;
  }

  nextFigure(): number { return ++this.figures; }
  nextTable(): number { return ++this.tables; }

  caption(text: string, after = 8): void {
    this.paragraph(text, { font: FONT.oblique, size: SIZES.caption, color: COLORS.muted, after });
  }

  /**
   * Reserve a block of `height` points (scaled down to fit a page if larger), let `draw` fill it at (x, y, w, h),
   * then write "Figure n: caption" below. Figure and caption stay on one page.
   */
  figure(width: number, height: number, caption: string, draw: (x: number, y: number, w: number, h: number) => void): number {
    const n = this.nextFigure();
    const label = `Figure ${n}: ${caption}`;
    const capH = this.textHeight(label, this.width, FONT.oblique, SIZES.caption) + 10;
    let w = Math.min(width, this.width);
    let h = height * (w / width);
    const maxH = this.pageHeight - capH - 4;
    if (h > maxH) {
      w *= maxH / h;
      h = maxH;
    }
    this.ensure(h + capH + 4);
    const x = this.left + (this.width - w) / 2;
    const y = this.pdf.y;
    draw(x, y, w, h);
    this.pdf.x = this.left;
    this.pdf.y = y + h + 4;
    this.caption(label);
    return n;
  }

  /** Footers ("title · page i of n") on every page but bare ones, then the finished file. */
  async finish(): Promise<Buffer> {
    const range = this.pdf.bufferedPageRange();
    const total = range.count;
    for (let i = range.start; i < range.start + total; i++) {
      this.pdf.switchToPage(i);
      const pageNo = i + 1;
      if (this.bare.has(pageNo)) continue;
      const page = this.pdf.page;
      const savedBottom = page.margins.bottom;
      page.margins.bottom = 0; // footer text sits inside the bottom margin; without this PDFKit would start a page
      const y = page.height - savedBottom + 22;
      const left = page.margins.left;
      const width = page.width - page.margins.left - page.margins.right;
      this.pdf.moveTo(left, y - 6).lineTo(left + width, y - 6).lineWidth(0.4).strokeColor(COLORS.rule).stroke();
      this.setFont(FONT.sans, SIZES.small);
      const pageText = `Page ${pageNo} of ${total}`;
      const pw = this.pdf.widthOfString(pageText);
      const footer = this.fitText(this.opts.footer, width - pw - 16, FONT.sans, SIZES.small);
      this.pdf.fillColor(COLORS.muted).text(footer, left, y, { lineBreak: false, width: width - pw - 16 });
      this.pdf.text(pageText, left + width - pw, y, { lineBreak: false });
      page.margins.bottom = savedBottom;
    }
    const done = new Promise<Buffer>((resolve, reject) => {
      this.pdf.on('end', () => resolve(Buffer.concat(this.chunks)));
      this.pdf.on('error', reject);
    });
    this.pdf.end();
    return done;
  }

  /** `text` shortened with an ellipsis to fit `width` on one line. */
  fitText(text: string, width: number, font: FontName, size: number): string {
    this.setFont(font, size);
    if (this.pdf.widthOfString(text) <= width) return text;
    let lo = 0;
    let hi = text.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (this.pdf.widthOfString(`${text.slice(0, mid)}…`) <= width) lo = mid;
      else hi = mid - 1;
    }
    return `${text.slice(0, lo)}…`;
  }
}
