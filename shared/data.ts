// Data-set contract: where the data came from and the statistics behind the EDA figures.
import { z } from 'zod';
import { DataSourceSchema } from './run.js';

export const SplitNameSchema = z.enum(['train', 'validation', 'test']);
export type SplitName = z.infer<typeof SplitNameSchema>;

export const DatasetStatsSchema = z.object({
  source: DataSourceSchema,
  splitSizes: z.object({ train: z.number(), validation: z.number(), test: z.number() }),
  /** Per split, the count of each of the 10 classes. */
  classCounts: z.object({ train: z.array(z.number()), validation: z.array(z.number()), test: z.array(z.number()) }),
  /** 784 values in [0,1]: the mean training image (seed figure 5). */
  meanImage: z.array(z.number()),
  /** 10 × 784 values in [0,1]: the mean image of each class. */
  classMeanImages: z.array(z.array(z.number())),
  /** 256 bins of raw pixel values over the training split. */
  pixelHistogram: z.array(z.number()),
  /** For each class, indices into the full 60k training file of a few samples (seed figure 3). */
  sampleIndices: z.array(z.array(z.number().int())),
});
export type DatasetStats = z.infer<typeof DatasetStatsSchema>;

export const DataProgressSchema = z.object({
  file: z.string(),
  receivedBytes: z.number(),
  totalBytes: z.number().nullable(),
  url: z.string(),
});
export type DataProgress = z.infer<typeof DataProgressSchema>;
