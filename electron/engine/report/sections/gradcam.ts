// Section "Grad-CAM of similar-class mistakes" (engine/report): for each convolutional model, its most confident
// Shirt↔Coat, Pullover↔Coat and T-shirt↔Shirt mistakes with the Grad-CAM maps of the true and the predicted class.
import { CLASS_NAMES } from '../../../../shared/classes.js';
import { heatColor, heatmapMax } from '../../../../shared/heatmapColors.js';
import { COLORS, SIZES, type ReportDocument } from '../document.js';
import { FONT } from '../fonts.js';
import { drawGrayImage } from '../images.js';
import { GRADCAM_PAIRS, pairTitle, type RunExplanations } from '../explanations.js';
import type { Arm } from '../analysis.js';
import type { SectionContext } from '../input.js';

const OPACITY = 0.75;

/** The image with the map blended in (weight 0.75·v per cell, v = map / max), as vector cells like drawGrayImage. */
function drawOverlay(doc: ReportDocument, pixels: Uint8Array, map: number[][], max: number, x: number, y: number, size: number): void {
  const pdf = doc.pdf;
  const s = size / 28;
  const overlap = s * 0.25;
  for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) {
    const g = pixels[r * 28 + c];
    const v = max > 0 ? Math.min(1, map[r][c] / max) : 0;
    const a = OPACITY * v;
    const h = heatColor(v);
    const rgb = [0, 1, 2].map((k) => Math.round((1 - a) * g + a * h[k])) as [number, number, number];
    pdf.rect(x + c * s, y + r * s, s + (c < 27 ? overlap : 0), s + (r < 27 ? overlap : 0)).fillColor(rgb).fill();
  }
  pdf.rect(x, y, size, size).lineWidth(0.3).strokeColor(COLORS.rule).stroke();
}

/** A horizontal colour scale from 0 to the row's maximum. */
function drawScale(doc: ReportDocument, x: number, y: number, w: number, max: number): void {
  const steps = 48;
  for (let i = 0; i < steps; i++) doc.pdf.rect(x + (i * w) / steps, y, w / steps + 0.3, 6).fillColor(heatColor(i / (steps - 1))).fill();
  doc.setFont(FONT.sans, SIZES.small - 1.5);
  doc.pdf.fillColor(COLORS.muted).text('0', x, y + 7.5, { lineBreak: false });
  const label = max > 0 ? max.toPrecision(2) : '0';
  doc.pdf.text(label, x + w - doc.pdf.widthOfString(label), y + 7.5, { lineBreak: false });
  doc.pdf.fillColor(COLORS.text);
}

function pairFigure(ctx: SectionContext, arm: Arm, ex: RunExplanations, pair: number): void {
  const { doc, input } = ctx;
  const both = ex.mistakes.slice(pair * 2, pair * 2 + 2);
  const names = `${CLASS_NAMES[both[0].actual]} ↔ ${CLASS_NAMES[both[0].predicted]}`;
  const rows = input.testImages ? both.filter((r) => r.mistake) : [];
  const absent = both.filter((r) => !r.mistake).map((r) => pairTitle(r.actual, r.predicted));
  if (rows.length === 0) {
    const why = input.testImages ? `${arm.name} made no ${names} mistake on the evaluated test images.` : 'the data set was not available, so the images cannot be drawn.';
    doc.paragraph(`${names}: ${why}`, { color: COLORS.muted, size: SIZES.small });
    return;
  }
  const img = Math.min(104, (doc.width - 150) / 3 - 8);
  const headH = 14;
  const rowH = img + 22;
  const height = headH + rows.length * rowH;
  const caption = `${arm.name}: Grad-CAM at ${ex.layer} of the most confident ${names} mistakes`
    + (absent.length ? ` (no ${absent.join(' or ')} mistake on the evaluated test images)` : '')
    + '. Both maps of a row share one colour scale (0 to the larger maximum), so their strengths compare.';
  doc.figure(doc.width, height, caption, (x, y) => {
    const pdf = doc.pdf;
    const col = (i: number) => x + i * (img + 10);
    doc.setFont(FONT.bold, SIZES.small - 0.5);
    ['Test image', 'True class map', 'Predicted class map'].forEach((t, i) => pdf.fillColor(COLORS.text).text(t, col(i), y, { lineBreak: false }));
    rows.forEach((row, k) => {
      const top = y + headH + k * rowH;
      const m = row.mistake!;
      const textX = col(3);
      const pixels = input.testImages!(m.index);
      const max = Math.max(heatmapMax(m.trueMap), heatmapMax(m.predictedMap));
      drawGrayImage(doc, pixels, col(0), top, img);
      drawOverlay(doc, pixels, m.trueMap, max, col(1), top, img);
      drawOverlay(doc, pixels, m.predictedMap, max, col(2), top, img);
      drawScale(doc, col(1), top + img + 3, img * 2 + 10, max);
      const top3 = m.probabilities.map((p, c) => ({ p, c })).sort((a, b) => b.p - a.p).slice(0, 3);
      const lines = [
        pairTitle(row.actual, row.predicted),
        `test image #${m.index}`,
        `P(${CLASS_NAMES[row.predicted]}) = ${m.probabilities[row.predicted].toFixed(3)}`,
        `P(${CLASS_NAMES[row.actual]}) = ${m.probabilities[row.actual].toFixed(3)}`,
        `top 3: ${top3.map((t) => `${CLASS_NAMES[t.c]} ${t.p.toFixed(2)}`).join(', ')}`,
      ];
      let ty = top;
      lines.forEach((line, i) => {
        doc.setFont(i === 0 ? FONT.bold : FONT.sans, SIZES.small);
        pdf.fillColor(i === 2 ? COLORS.bad : COLORS.text).text(line, textX, ty, { width: x + doc.width - textX });
        ty = pdf.y + 1;
      });
      pdf.fillColor(COLORS.text);
    });
  });
}

export function gradcamSection(ctx: SectionContext): void {
  const { doc, analysis, input } = ctx;
  const explained = new Map((input.explanations ?? []).map((e) => [e.runId, e]));
  const arms = analysis.arms.filter((a) => explained.has(a.rep.id));
  if (arms.length === 0) return;
  doc.heading(1, 'Grad-CAM of similar-class mistakes');
  doc.paragraph(
    'Where in the image did a convolutional model find its evidence? Grad-CAM (Selvaraju et al., 2017) weights the last convolutional layer\'s channels by the mean gradient of a class\'s score (the logit, before the softmax), sums them, keeps the positive part, and interpolates the map back onto the 28×28 image with each unit over the centre of its receptive field. '
      + 'For each model below, the most confident mistake in each direction of the seed report\'s similar pairs (Shirt ↔ Coat, Pullover ↔ Coat, T-shirt/top ↔ Shirt): the test image, the map of its true class and of the class the model chose, and the probabilities. '
      + 'Brighter and yellower means more evidence; a map that lies on the background means the model used the empty space (a silhouette) rather than the garment. The maps are computed from each run\'s stored model; `npm run explain` draws the same maps for any image and class.',
  );
  for (const arm of arms) {
    const ex = explained.get(arm.rep.id)!;
    doc.heading(2, arm.name, 200);
    GRADCAM_PAIRS.forEach((_, pair) => pairFigure(ctx, arm, ex, pair));
  }
}
