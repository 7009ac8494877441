// Data-set contract: where the data came from and the statistics behind the EDA figures.
import { z } from 'zod';
import { DataSourceSchema } from './run.js';

export const SplitNameSchema = z.enum(['train', 'validation', 'test']);
export type SplitName = z.infer<typeof SplitNameSchema>;

const count = z.number().int().min(0).max(1e9);
const perClass = z.array(count).max(100);
const image = z.array(z.number()).max(784);

export const DatasetStatsSchema = z.object({
  source: DataSourceSchema,
  splitSizes: z.object({ train: count, validation: count, test: count }),
  /** Per split, the count of each of the 10 classes. */
  classCounts: z.object({ train: perClass, validation: perClass, test: perClass }),
  /** 784 values in [0,1]: the mean training image (seed figure 5). */
  meanImage: image,
  /** 10 × 784 values in [0,1]: the mean image of each class. */
  classMeanImages: z.array(image).max(100),
  /** 256 bins of raw pixel values over the training split. */
  pixelHistogram: z.array(z.number().min(0)).max(256),
  /** For each class, indices into the full 60k training file of a few samples (seed figure 3). */
  sampleIndices: z.array(z.array(z.number().int().min(0).max(59_999)).max(1000)).max(100),
});
export type DatasetStats = z.infer<typeof DatasetStatsSchema>;

export const DataProgressSchema = z.object({
  file: z.string().max(200),
  receivedBytes: z.number().min(0).max(1e12),
  totalBytes: z.number().min(0).max(1e12).nullable(),
  url: z.string().max(2000),
});
export type DataProgress = z.infer<typeof DataProgressSchema>;
