// Renderer reference values: the seed report's results, drawn as reference lines so every run is read against them.
import type { ReferenceLine } from '../../shared/charts/trainingCurves.js';

/** Test accuracy of the seed's ANN (figure 12) and CNN (figure 13), Keras on Colab, 10 epochs. */
export const SEED_REFERENCES: readonly ReferenceLine[] = [
  { value: 0.8837, label: 'seed ANN' },
  { value: 0.9061, label: 'seed CNN' },
];
