// Published reference points (engine/report): accuracies from the Fashion-MNIST README, drawn on the accuracy chart.

export interface ReferencePoint {
  /** Short label on the chart (the chart adds the value). */
  label: string;
  /** What was measured, as the source states it. */
  description: string;
  /** Fashion-MNIST test accuracy in [0, 1], as published. */
  accuracy: number;
  /** Submitter or origin named by the source. */
  by: string;
  source: string;
  /** Drawn as a line on the accuracy chart (the others are only listed). */
  onChart: boolean;
}

/** The README of zalandoresearch/fashion-mnist, benchmark table, as of commit 789103d (2022-03-14). */
export const README_SOURCE =
  'Fashion-MNIST README, "Benchmark" table (github.com/zalandoresearch/fashion-mnist, README.md at commit 789103d, 2022-03-14)';

export const REFERENCE_POINTS: readonly ReferencePoint[] = [
  {
    label: 'Human',
    description: 'Human performance: crowd-sourced evaluation (no fashion expertise), 1000 randomly sampled test images, 3 labels per image, majority labelling',
    accuracy: 0.835,
    by: 'Leo (Zalando)',
    source: README_SOURCE,
    onChart: true,
  },
  {
    label: 'MLP 256-128-100',
    description: 'MLP 256-128-100, no preprocessing',
    accuracy: 0.8833,
    by: '@heitorrapela',
    source: README_SOURCE,
    onChart: true,
  },
  {
    label: '2 Conv+pooling',
    description: "2 Conv+pooling, no preprocessing (TensorFlow's layers tutorial network; benchmark/convnet.py in the repository)",
    accuracy: 0.916,
    by: "Tensorflow's doc",
    source: README_SOURCE,
    onChart: true,
  },
  {
    label: '2 Conv+pooling (Rasul)',
    description: '2 Conv+pooling, no preprocessing',
    accuracy: 0.876,
    by: 'Kashif Rasul',
    source: README_SOURCE,
    onChart: false,
  },
];
