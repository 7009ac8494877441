// Text blocks beyond paragraphs (engine/report): command lines that break only at spaces, bullet lists.
import { COLORS, SIZES, type ReportDocument, type TextOptions } from './document.js';
import { FONT } from './fonts.js';

/** Monospaced text wrapped only at spaces (a command line must not break inside a run id at its hyphens). */
export function codeBlock(doc: ReportDocument, text: string, o: TextOptions = {}): void {
  const size = o.size ?? SIZES.small;
  const indent = o.indent ?? 8;
  const width = doc.width - indent;
  const lines: string[] = [];
  let line = '';
  for (const token of text.split(/ +/)) {
    const next = line ? `${line} ${token}` : token;
    if (!line || doc.textWidth(next, FONT.mono, size) <= width) line = next;
    else {
      lines.push(line);
      line = `  ${token}`;
    }
  }
  if (line) lines.push(line);
  const lh = doc.lineHeight(size, FONT.mono);
  doc.ensure(Math.min(lines.length * lh, 3 * lh));
  for (const l of lines) {
    doc.ensure(lh);
    doc.setFont(FONT.mono, size);
    // A token longer than the line is the only case that may wrap inside itself.
    doc.pdf.fillColor(o.color ?? COLORS.text).text(l, doc.left + indent, doc.pdf.y, { width, lineGap: SIZES.lineGap });
  }
  doc.pdf.fillColor(COLORS.text);
  doc.pdf.x = doc.left;
  doc.space(o.after ?? 5);
}

/** A bullet list; each item flows across pages like a paragraph. */
export function bulletList(doc: ReportDocument, items: readonly string[], o: TextOptions = {}): void {
  for (const item of items) {
    const size = o.size ?? SIZES.body;
    const h = doc.textHeight(item, doc.width - 14, FONT.sans, size);
    doc.ensure(Math.min(h, 2 * doc.lineHeight(size)));
    const y = doc.pdf.y;
    doc.setFont(FONT.sans, size);
    doc.pdf.fillColor(COLORS.accent).text('•', doc.left + 3, y, { lineBreak: false });
    doc.pdf.fillColor(COLORS.text).text(item, doc.left + 14, y, { width: doc.width - 14, lineGap: SIZES.lineGap });
    doc.pdf.x = doc.left;
    doc.space(2);
  }
  doc.space(o.after ?? 3);
}

