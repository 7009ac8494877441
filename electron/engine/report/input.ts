// What a report is built from (engine/report): stored runs, their predictions, data-set statistics and images.
import type { Predictions, RunDetail } from '../../../shared/run.js';
import type { DatasetStats } from '../../../shared/data.js';
import type { Calibration, Embedding } from '../../../shared/insight.js';
import type { ReportDocument } from './document.js';
import type { ChartCache } from './charts.js';
import type { Analysis } from './analysis.js';
import type { RunExplanations } from './explanations.js';

export interface SampleImages {
  /** Per class, indices into the 60k training file. */
  indices: number[][];
  /** 784 bytes per image, in the order of indices.flat(). */
  pixels: Uint8Array;
}

export interface ReportInput {
  title: string;
  runs: RunDetail[];
  /** One entry per run, null where the run has no stored predictions. */
  predictions: (Predictions | null)[];
  datasetStats: DatasetStats | null;
  sampleImages?: SampleImages | null;
  /** 784 bytes of one test image, for the gallery of confident mistakes. */
  testImages?: (index: number) => Uint8Array;
  appVersion: string;
  generatedAt?: Date;
  /** Each stored run's colour index (shared/charts/theme.ts runColorIndex), so runs keep their on-screen colours; absent: by position. */
  colorIndex?: ReadonlyMap<string, number>;
  /** Calibration and PCA embedding per run id (sections/calibration.ts); absent runs are left out of that section. */
  insight?: { calibration: ReadonlyMap<string, Calibration>; embeddings: ReadonlyMap<string, Embedding> };
  /** Grad-CAM of the similar-class mistakes of each convolutional run (absent: no Grad-CAM pages). */
  explanations?: RunExplanations[];
}

export interface ReportOptions {
  pageSize?: 'A4' | 'LETTER';
}

/** What every section renders with. */
export interface SectionContext {
  doc: ReportDocument;
  charts: ChartCache;
  analysis: Analysis;
  input: ReportInput;
  generatedAt: Date;
}
