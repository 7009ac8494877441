// Section "Data" (engine/report): split sizes, class distribution, a sample grid and the mean-intensity heatmaps.
import { CLASS_NAMES, IMAGE_PIXELS } from '../../../../shared/classes.js';
import type { DataConfig } from '../../../../shared/hyper.js';
import { classDistributionOption } from '../../../../shared/charts/classBars.js';
import { intensityHeatmapOption } from '../../../../shared/charts/intensityHeatmap.js';
import { LIGHT_THEME } from '../../../../shared/charts/theme.js';
import { COLORS, SIZES } from '../document.js';
import { FONT } from '../fonts.js';
import { table } from '../table.js';
import { chartFigure } from '../charts.js';
import { imageGrid, imageGridHeight, type Tile } from '../images.js';
import { formatInt, formatPercent } from '../format.js';
import type { SectionContext } from '../input.js';

export const PDF_THEME = { ...LIGHT_THEME, fontFamily: 'DejaVu Sans' };

export function describeSplit(data: DataConfig | undefined): string {
  if (!data) return 'The split configuration was not recorded.';
  const s = data.split;
  const split =
    s.type === 'tail'
      ? `The last ${formatInt(s.validationSize)} images of the 60,000-image training file are the validation set, the rest the training set (the seed report's split); the 10,000 test images are never used for training or model selection.`
      : `A random ${formatPercent(s.validationFraction, 1)} of the training file (shuffle seed ${s.shuffleSeed}) is the validation set; the 10,000 test images are never used for training or model selection.`;
  const limit =
    data.limit === null
      ? ''
      : ` Training was limited to ${formatInt(data.limit)} images; the validation set${data.fullTest ? '' : ' and the test set'} shrank in proportion${data.fullTest ? ' and the full test set was used' : ''}.`;
  return split + limit;
}

/** How the runs in the report see an image, from each run's recorded input shape; only runs that are in the report are named. */
export function describeInputs(models: readonly { name: string; inputShape: readonly number[] | undefined }[]): string {
  const how = (shape: readonly number[]) => (shape.length === 1 ? `a ${shape[0]}-vector` : `a ${shape.join('×')} image`);
  const byHow = new Map<string, string[]>();
  for (const m of models) {
    if (!m.inputShape) continue;
    const key = how(m.inputShape);
    byHow.set(key, [...(byHow.get(key) ?? []), m.name]);
  }
  if (byHow.size === 0) return 'Pixels are scaled to [0, 1].';
  const list = (names: string[]) => (names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`);
  if (byHow.size === 1) {
    const [[shape, names]] = [...byHow];
    const who = models.length === 1 ? `the model (${names[0]})` : names.length === models.length ? `every model here` : list(names);
    return `Pixels are scaled to [0, 1]; ${who} sees them as ${shape}.`;
  }
  const parts = [...byHow].map(([shape, names], i) => `${list(names)} ${i === 0 ? (names.length === 1 ? 'sees' : 'see') + ' them as ' : 'as '}${shape}`);
  return `Pixels are scaled to [0, 1]; ${parts.join(', ')}.`;
}

export function dataSection(ctx: SectionContext): void {
  const { doc, analysis, input, charts } = ctx;
  const stats = input.datasetStats;
  doc.heading(1, 'Data');
  doc.paragraph(
    'Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 70,000 greyscale 28×28 images of Zalando articles in ten classes, 60,000 for training and 10,000 for testing. ' +
      describeInputs(analysis.arms.map((a) => ({ name: a.name, inputShape: a.rep.run.config?.request.model.inputShape }))),
  );

  doc.heading(2, 'Splits');
  const first = analysis.arms[0].rep.run;
  doc.paragraph(describeSplit(first.config?.request.data));
  const rows: string[][] = [];
  if (stats) rows.push(['Data set (statistics below)', formatInt(stats.splitSizes.train), formatInt(stats.splitSizes.validation), formatInt(stats.splitSizes.test)]);
  for (const arm of analysis.arms) {
    const s = arm.rep.run.begin?.splitSizes;
    if (s) rows.push([arm.name, formatInt(s.train), formatInt(s.validation), formatInt(s.test)]);
  }
  if (rows.length > 0) {
    table(doc, [{ header: 'Used by' }, { header: 'Training', align: 'right' }, { header: 'Validation', align: 'right' }, { header: 'Test', align: 'right' }], rows, {
      caption: 'Images per split',
    });
  }
  if (!stats) {
    doc.paragraph('The data set was not available when this report was generated, so the class distribution, samples and mean images are left out.', { color: COLORS.muted });
    return;
  }

  doc.heading(2, 'Class distribution', doc.figureHeight(0.45) + 30);
  const counts = stats.classCounts;
  // Within 20 % of each other counts as balanced: accuracy then weighs every class about equally.
  const balanced = Math.max(...counts.train) <= 1.2 * Math.min(...counts.train);
  doc.paragraph(
    `The training split holds between ${formatInt(Math.min(...counts.train))} and ${formatInt(Math.max(...counts.train))} images per class${balanced ? ', so the classes are balanced and accuracy is a fair summary' : '; the classes are not balanced, so read the macro-averaged F1 next to accuracy'}.`,
  );
  chartFigure(doc, charts, 'class-distribution', 'Images per class in each split', () =>
    classDistributionOption({ counts: { train: counts.train, validation: counts.validation, test: counts.test }, theme: PDF_THEME, animation: false }),
  { heightRatio: 0.45 });

  const samples = input.sampleImages;
  if (samples && samples.indices.length > 0) {
    const perClass = Math.min(8, ...samples.indices.map((l) => l.length));
    const tiles: Tile[] = [];
    const labels: string[] = [];
    let offset = 0;
    samples.indices.forEach((list, c) => {
      list.forEach((_, k) => {
        if (k < perClass) tiles.push({ pixels: samples.pixels.subarray((offset + k) * IMAGE_PIXELS, (offset + k + 1) * IMAGE_PIXELS), lines: [] });
      });
      offset += list.length;
      labels.push(CLASS_NAMES[c]);
    });
    const grid = { perRow: perClass, rowLabels: labels, caption: `Training samples, ${perClass} per class`, keepTogether: true };
    doc.heading(2, 'Sample images', imageGridHeight(doc, tiles, grid) + 30);
    doc.paragraph(`The first ${perClass} training images of each class, drawn pixel for pixel (each pixel a vector square, so they stay sharp at any zoom).`);
    imageGrid(doc, tiles, grid);
  }

  doc.heading(2, 'Mean intensity', doc.figureHeight(0.8, 0.55) + 50);
  doc.paragraph(
    'The mean training image: bright where garments usually are, dark at the edges, so the objects are centred and a fully connected network can rely on fixed pixel positions. The class means below show each class\'s typical silhouette; Shirt, T-shirt/top, Pullover and Coat look alike, which foreshadows their confusions.',
  );
  chartFigure(doc, charts, 'mean-image', 'Mean pixel intensity of the training split (0 = black, 1 = white)', () =>
    intensityHeatmapOption({ image: stats.meanImage, theme: PDF_THEME, animation: false }),
  { widthFraction: 0.55, heightRatio: 0.8 });
  const classTiles: Tile[] = stats.classMeanImages.map((img, c) => ({
    pixels: Uint8Array.from(img, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255)),
    lines: [CLASS_NAMES[c]],
  }));
  imageGrid(doc, classTiles, { perRow: 5, caption: 'Mean image of each class (training split)', labelSize: SIZES.small, keepTogether: true, maxSize: 62 });
  doc.pdf.font(FONT.sans);
}
