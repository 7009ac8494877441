import { describe, expect, it } from 'vitest';
import type { LineSeriesOption } from 'echarts';
import { batchX, DARK_THEME, runColor, trainingCurvesOption } from '../../../shared/charts/index.js';
import { SEED_ANN_ACCURACY, SEED_ANN_EPOCHS, SEED_CNN_EPOCHS } from './fixtures.js';
import { renderSvg } from './render.js';

const series = (o: ReturnType<typeof trainingCurvesOption>) => o.series as LineSeriesOption[];

describe('trainingCurvesOption', () => {
  it('draws train solid and validation dashed in one colour per run, at epoch + 1, one legend entry a run', () => {
    const o = trainingCurvesOption({ metric: 'accuracy', runs: [{ name: 'ANN', epochs: SEED_ANN_EPOCHS }, { name: 'CNN', epochs: SEED_CNN_EPOCHS }] });
    const s = series(o);
    expect(s.map((x) => x.id)).toEqual(['0:train', '0:validation', '1:train', '1:validation']);
    expect(s.map((x) => x.name)).toEqual(['ANN', 'ANN', 'CNN', 'CNN']);
    expect((o.legend as { data: string[] }).data).toEqual(['ANN', 'CNN']);
    expect(s[0].color).toBe(runColor(0));
    expect(s[1].color).toBe(runColor(0));
    expect(s[2].color).toBe(runColor(1));
    expect((s[1].lineStyle as { type: string }).type).toBe('dashed');
    expect(s[0].data?.[0]).toEqual([1, 0.7529]);
    expect(s[3].data?.[9]).toEqual([10, 0.9069]);
  });

  it('plots loss when asked, with the y axis starting at 0', () => {
    const o = trainingCurvesOption({ metric: 'loss', runs: [{ name: 'ANN', epochs: SEED_ANN_EPOCHS }] });
    expect(series(o)[0].data?.[0]).toEqual([1, 0.7261]);
    expect((o.yAxis as { min: number }).min).toBe(0);
    expect(series(o)[0].name).toBe('train');
  });

  it('adds a thin smoothed per-batch series placed inside its epoch', () => {
    const batches = Array.from({ length: 20 }, (_, k) => ({ epoch: Math.floor(k / 10), batch: k % 10, batches: 10, loss: k % 2 ? 1 : 0, accuracy: 0.5 }));
    const o = trainingCurvesOption({ metric: 'loss', runs: [{ name: 'r', epochs: [], batches }], smoothing: 0.8 });
    const b = series(o).find((x) => x.id === '0:batch')!;
    expect(b.name).toBe('train (per batch)');
    const pts = b.data as number[][];
    expect(pts[0][0]).toBeCloseTo(0.1);
    expect(pts[19][0]).toBeCloseTo(2);
    // Smoothed: an alternating 0/1 series stays strictly between its extremes after the first points.
    expect(pts[19][1]).toBeGreaterThan(0.2);
    expect(pts[19][1]).toBeLessThan(0.8);
    expect(batchX({ epoch: 2, batch: 4, batches: 5 })).toBe(3);
  });

  it('steps an accuracy axis in round ticks up to 1 from below every point drawn, reference lines included', () => {
    const axis = (o: ReturnType<typeof trainingCurvesOption>) => o.yAxis as { min: number; max: number; interval: number; scale?: boolean };
    expect(axis(trainingCurvesOption({ metric: 'accuracy', runs: [{ name: 'r', epochs: SEED_ANN_EPOCHS.slice(1) }] }))).toMatchObject({ min: 0.85, max: 1, interval: 0.05 });
    expect(axis(trainingCurvesOption({ metric: 'accuracy', runs: [{ name: 'r', epochs: SEED_ANN_EPOCHS.slice(1) }], referenceLines: [{ value: 0.835, label: 'human' }] }))).toMatchObject({ min: 0.8 });
    // Early per-batch points (10 % in the first batches) do not squeeze the axis once epochs exist: they are clipped.
    const batches = [{ epoch: 0, batch: 0, batches: 1, loss: 2, accuracy: 0.1 }];
    expect(axis(trainingCurvesOption({ metric: 'accuracy', runs: [{ name: 'r', epochs: SEED_ANN_EPOCHS.slice(1), batches }] }))).toMatchObject({ min: 0.85, max: 1 });
    // Before the first epoch ends the batch points decide.
    expect(axis(trainingCurvesOption({ metric: 'accuracy', runs: [{ name: 'r', epochs: [], batches }] }))).toMatchObject({ min: 0, interval: 0.2 });
    expect(axis(trainingCurvesOption({ metric: 'accuracy', runs: [] }))).toMatchObject({ min: 0, max: 1 });
    // The validation split alone decides when training is not drawn.
    expect(axis(trainingCurvesOption({ metric: 'accuracy', splits: ['validation'], runs: [{ name: 'r', epochs: SEED_ANN_EPOCHS }] }))).toMatchObject({ min: 0.85 });
  });

  it('keeps the x axis at epochsTotal while a live run is short', () => {
    const o = trainingCurvesOption({ metric: 'accuracy', runs: [{ name: 'r', epochs: SEED_ANN_EPOCHS.slice(0, 2) }], epochsTotal: 10 });
    expect((o.xAxis as { max: number }).max).toBe(10);
  });

  it('draws reference lines as labelled mark lines with the labels in a gutter right of the plot', () => {
    const o = trainingCurvesOption({ metric: 'accuracy', runs: [{ name: 'r', epochs: SEED_ANN_EPOCHS }], referenceLines: [{ value: SEED_ANN_ACCURACY, label: 'seed ANN' }] });
    const ref = series(o).find((x) => x.name === 'reference')!;
    const data = (ref.markLine as { data: Array<{ yAxis: number; name: string; label: { position: string } }> }).data;
    expect(data).toEqual([{ yAxis: 0.8837, name: 'seed ANN 88.37%', label: { position: 'end', verticalAlign: 'middle' } }]);
    // The grid keeps room for the label on the right, so it never runs over a curve.
    expect((o.grid as { right: number }).right).toBeGreaterThan(90);
    expect((trainingCurvesOption({ metric: 'accuracy', runs: [] }).grid as { right: number }).right).toBeLessThan(30);
  });

  it('puts the labels of close reference lines above and below their lines so they do not overprint', () => {
    const o = trainingCurvesOption({ metric: 'accuracy', runs: [{ name: 'r', epochs: SEED_ANN_EPOCHS }], referenceLines: [{ value: 0.8837, label: 'seed ANN' }, { value: 0.9061, label: 'seed CNN' }] });
    const ref = series(o).find((x) => x.name === 'reference')!;
    const data = (ref.markLine as { data: Array<{ yAxis: number; label: { verticalAlign: string } }> }).data;
    expect(data.map((d) => [d.yAxis, d.label.verticalAlign])).toEqual([[0.9061, 'bottom'], [0.8837, 'top']]);
  });

  it('plots against wall-clock seconds when asked, leaving out points without a time', () => {
    const epochs = SEED_ANN_EPOCHS.slice(0, 3).map((e, k) => ({ ...e, elapsed: 30 * (k + 1) }));
    const batches = [{ epoch: 0, batch: 0, batches: 2, loss: 1, accuracy: 0.5, elapsed: 12 }, { epoch: 0, batch: 1, batches: 2, loss: 1, accuracy: 0.5 }];
    const o = trainingCurvesOption({ metric: 'loss', xAxis: 'time', runs: [{ name: 'r', epochs, batches }] });
    expect(series(o).find((x) => x.id === '0:train')!.data).toEqual(epochs.map((e) => [e.elapsed, e.loss]));
    expect((series(o).find((x) => x.id === '0:batch')!.data as number[][]).map((p) => p[0])).toEqual([12]);
    const x = o.xAxis as { name: string; max: number; axisLabel: { formatter: (v: number) => string } };
    expect(x.name).toMatch(/time/);
    expect(x.max).toBe(90);
    expect(x.axisLabel.formatter(65)).toBe('1:05');
  });

  it('offers a log loss axis and zoom (inside and slider) when asked, and neither by default', () => {
    const plain = trainingCurvesOption({ metric: 'loss', runs: [{ name: 'r', epochs: SEED_ANN_EPOCHS }] });
    expect((plain.yAxis as { type: string }).type).toBe('value');
    expect(plain.dataZoom).toBeUndefined();
    const o = trainingCurvesOption({ metric: 'loss', logScale: true, zoom: true, runs: [{ name: 'r', epochs: SEED_ANN_EPOCHS }] });
    expect((o.yAxis as { type: string }).type).toBe('log');
    expect((o.dataZoom as Array<{ type: string }>).map((d) => d.type)).toEqual(['inside', 'slider']);
    expect((o.grid as { bottom: number }).bottom).toBeGreaterThan((plain.grid as { bottom: number }).bottom);
    // Accuracy ignores the log option.
    expect((trainingCurvesOption({ metric: 'accuracy', logScale: true, runs: [{ name: 'r', epochs: SEED_ANN_EPOCHS }] }).yAxis as { type: string }).type).toBe('value');
  });

  it('smooths the per-batch curve by the weight it is given', () => {
    const batches = Array.from({ length: 20 }, (_, k) => ({ epoch: 0, batch: k, batches: 20, loss: k % 2, accuracy: 0.5 }));
    const last = (w: number) => ((series(trainingCurvesOption({ metric: 'loss', smoothing: w, runs: [{ name: 'r', epochs: [], batches }] })).find((x) => x.id === '0:batch')!.data as number[][]).at(-1)![1]);
    expect(last(0)).toBe(1);
    expect(Math.abs(last(0.95) - 0.5)).toBeLessThan(Math.abs(last(0.5) - 0.5));
  });

  it('honours an explicit run colour and the theme', () => {
    const o = trainingCurvesOption({ metric: 'accuracy', theme: DARK_THEME, runs: [{ name: 'r', color: '#123456', epochs: SEED_ANN_EPOCHS }] });
    expect(series(o)[0].color).toBe('#123456');
    expect((o.textStyle as { color: string }).color).toBe(DARK_THEME.text);
  });

  it('names run and split in the tooltip', () => {
    const o = trainingCurvesOption({ metric: 'accuracy', runs: [{ name: 'ANN', epochs: SEED_ANN_EPOCHS }, { name: 'CNN', epochs: SEED_CNN_EPOCHS }] });
    const fmt = (o.tooltip as { formatter: (p: unknown) => string }).formatter;
    const text = fmt([{ seriesId: '1:validation', seriesName: 'CNN', marker: '', value: [3, 0.8856] }, { seriesId: '0:batch', seriesName: 'ANN', value: [3, 0.5] }]);
    expect(text).toBe('epoch 3<br/>CNN · validation: <b>88.56%</b>');
  });

  it('escapes run names before they become tooltip HTML', () => {
    const o = trainingCurvesOption({ metric: 'loss', runs: [{ name: '<img src=x onerror=alert(1)>', epochs: SEED_ANN_EPOCHS }] });
    const fmt = (o.tooltip as { formatter: (p: unknown) => string }).formatter;
    const text = fmt([{ seriesId: '0:train', seriesName: '<img src=x onerror=alert(1)>', marker: '', value: [1, 0.5] }]);
    expect(text).not.toContain('<img');
    expect(text).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('renders with ECharts', () => {
    const svg = renderSvg(trainingCurvesOption({ metric: 'accuracy', title: 'Accuracy', runs: [{ name: 'ANN', epochs: SEED_ANN_EPOCHS }, { name: 'CNN', epochs: SEED_CNN_EPOCHS }] }));
    expect(svg).toContain('<svg');
    expect(svg).toContain('CNN');
    expect(svg).toContain('Accuracy');
  });
});
