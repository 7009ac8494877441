// Keras-style model.summary() text for a shape report (shared contract layer, pure): CLI, logs and the PDF report print it.
import { kerasShapeText } from './geometry.js';
import type { ShapeReport } from './report.js';

/** Keras's readable_memory_size: float32 weights, 1024-based units, two decimals. */
export function memoryText(params: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let size = params * 4;
  for (const unit of units) {
    if (size / 1024 < 1 || unit === 'TB') return `${size.toFixed(2)} ${unit}`;
    size /= 1024;
  }
  return `${size.toFixed(2)} TB`;
}

export function thousands(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * The table Keras prints (Layer (type) | Output Shape | Param #, then totals with memory sizes).
 * When the report has issues they follow the table, so a partial summary is never mistaken for a valid one.
 */
export function formatSummary(report: ShapeReport, modelName?: string): string {
  // Graph models get Keras's "Connected to" column; a sequential summary stays as it was.
  const graph = report.layers.some((l) => l.inputs !== undefined);
  const rows = report.layers.map((l) => [`${l.name} (${l.type})`, kerasShapeText(l.outputShape), thousands(l.params), ...(graph ? [(l.inputs ?? []).join(', ')] : [])]);
  const header = ['Layer (type)', 'Output Shape', 'Param #', ...(graph ? ['Connected to'] : [])];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)) + 2);
  const total = widths.reduce((a, b) => a + b, 0) + 1;
  const line = (cells: string[]) => ` ${cells.map((cell, c) => (c === 2 ? `${cell.padStart(widths[c] - 2)}${graph ? '  ' : ''}` : cell.padEnd(widths[c]))).join('')}`.trimEnd();
  const out: string[] = [];
  if (modelName !== undefined) out.push(`Model: "${modelName}"`);
  out.push('_'.repeat(total), line(header), '='.repeat(total));
  rows.forEach((r, i) => {
    out.push(line(r));
    if (i < rows.length - 1) out.push('');
  });
  out.push('='.repeat(total));
  out.push(`Total params: ${thousands(report.totalParams)} (${memoryText(report.totalParams)})`);
  out.push(`Trainable params: ${thousands(report.trainableParams)} (${memoryText(report.trainableParams)})`);
  out.push(`Non-trainable params: ${thousands(report.nonTrainableParams)} (${memoryText(report.nonTrainableParams)})`);
  out.push('_'.repeat(total));
  if (!report.ok) {
    out.push(`The spec is invalid (${report.issues.length} problem${report.issues.length === 1 ? '' : 's'}); the table covers the layers that could be inferred:`);
    out.push(...report.issues.map((i) => `  - ${i.message}`));
  }
  return out.join('\n');
}
