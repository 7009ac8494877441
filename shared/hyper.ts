// Hyperparameter and data-config contract; defaults are the seed report's setup.
import { z } from 'zod';

export const OptimizerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('adam'), beta1: z.number().gt(0).lt(1).default(0.9), beta2: z.number().gt(0).lt(1).default(0.999) }),
  z.object({ type: z.literal('sgd'), momentum: z.number().min(0).lt(1).default(0.9) }),
  z.object({ type: z.literal('rmsprop'), rho: z.number().gt(0).lt(1).default(0.9), momentum: z.number().min(0).lt(1).default(0) }),
]);
export type Optimizer = z.infer<typeof OptimizerSchema>;

export const ScheduleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('constant') }),
  /** Multiply the rate by gamma every stepEpochs epochs. */
  z.object({ type: z.literal('step'), stepEpochs: z.number().int().positive().max(1000), gamma: z.number().gt(0).max(1) }),
  /** Cosine decay from the base rate to minLearningRate over all epochs (per batch). */
  z.object({ type: z.literal('cosine'), minLearningRate: z.number().min(0).max(10).default(0), warmupEpochs: z.number().int().min(0).max(1000).default(0) }),
]);
export type Schedule = z.infer<typeof ScheduleSchema>;

export const EarlyStoppingSchema = z.object({
  monitor: z.enum(['valLoss', 'valAccuracy']).default('valLoss'),
  patience: z.number().int().min(1).max(1000).default(3),
  minDelta: z.number().min(0).max(1e6).default(0),
  restoreBestWeights: z.boolean().default(true),
});

export const AugmentationSchema = z.object({
  /** Random integer shift of up to this many pixels in x and y (zero padded). */
  maxShift: z.number().int().min(0).max(8).default(0),
  horizontalFlip: z.boolean().default(false),
});

export const HyperparametersSchema = z.object({
  optimizer: OptimizerSchema.default({ type: 'adam', beta1: 0.9, beta2: 0.999 }),
  learningRate: z.number().gt(0, 'learning rate must be > 0').max(10, 'learning rate above 10 diverges'),
  schedule: ScheduleSchema.default({ type: 'constant' }),
  batchSize: z.number().int().min(1).max(8192),
  epochs: z.number().int().min(1).max(1000),
  earlyStopping: EarlyStoppingSchema.nullable().default(null),
  augmentation: AugmentationSchema.nullable().default(null),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
});
export type Hyperparameters = z.infer<typeof HyperparametersSchema>;
export type HyperparametersInput = z.input<typeof HyperparametersSchema>;

/** Adam 1e-3, batch 128, 10 epochs: the seed's section 4. */
export const SEED_HYPERPARAMETERS: Hyperparameters = HyperparametersSchema.parse({
  learningRate: 1e-3,
  batchSize: 128,
  epochs: 10,
});

export const SplitSchema = z.discriminatedUnion('type', [
  /** The seed's split: the last `validationSize` training images are the validation set. */
  z.object({ type: z.literal('tail'), validationSize: z.number().int().min(1).max(59999).default(10000) }),
  /** A seeded random fraction of the training images is the validation set. */
  z.object({ type: z.literal('fraction'), validationFraction: z.number().gt(0).lt(1), shuffleSeed: z.number().int().min(0).max(2 ** 31 - 1).default(0) }),
]);
export type Split = z.infer<typeof SplitSchema>;

export const DataConfigSchema = z.object({
  split: SplitSchema.default({ type: 'tail', validationSize: 10000 }),
  /** Train on this many samples; validation and test shrink in proportion unless fullTest. */
  limit: z.number().int().min(10).max(60000).nullable().default(null),
  fullTest: z.boolean().default(false),
});
export type DataConfig = z.infer<typeof DataConfigSchema>;
export const DEFAULT_DATA_CONFIG: DataConfig = DataConfigSchema.parse({});
