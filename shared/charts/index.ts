// Chart options shared by the renderer and the PDF report: pure functions from run data to ECharts options.
export * from './theme.js';
export * from './smoothing.js';
export * from './axes.js';
export * from './trainingCurves.js';
export * from './confusionMatrix.js';
export * from './classBars.js';
export * from './accuracyBars.js';
export * from './intensityHeatmap.js';
export * from './sweep.js';
export * from './registry.js';
