// Engine data layer: turns a DataConfig into train/validation/test index lists (seeded, deterministic).
import type { DataConfig } from '../../../shared/hyper.js';
import { DataError } from './errors.js';
import { mulberry32, shuffleInPlace } from './rng.js';

/** train and validation index the training file; test indexes the test file. */
export interface SplitIndices {
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
}

function range(from: number, to: number): Int32Array {
  const a = new Int32Array(Math.max(0, to - from));
  for (let i = 0; i < a.length; i++) a[i] = from + i;
  return a;
}

function checkCount(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 2) throw new DataError(`data split: ${name} count must be an integer ≥ 2, got ${n}`);
}

export function makeSplit(config: DataConfig, trainCount: number, testCount: number): SplitIndices {
  checkCount('training-file', trainCount);
  checkCount('test-file', testCount);
  const split = config.split ?? { type: 'tail', validationSize: 10000 };
  let train: Int32Array;
  let validation: Int32Array;
  if (split.type === 'tail') {
    const v = split.validationSize ?? 10000;
    if (!Number.isInteger(v) || v < 1 || v >= trainCount) {
      throw new DataError(`data split: validationSize ${v} must be between 1 and ${trainCount - 1} (the training file holds ${trainCount} images)`);
    }
    train = range(0, trainCount - v);
    validation = range(trainCount - v, trainCount);
  } else {
    const f = split.validationFraction;
    if (!(f > 0 && f < 1)) throw new DataError(`data split: validationFraction ${f} must be strictly between 0 and 1`);
    const v = Math.round(trainCount * f);
    if (v < 1 || v >= trainCount) {
      throw new DataError(`data split: validationFraction ${f} of ${trainCount} images leaves ${v} for validation and ${trainCount - v} for training; both need at least 1`);
    }
    // Kept in shuffled order, so the first `limit` training indices are a random subset too.
    const perm = shuffleInPlace(range(0, trainCount), mulberry32(split.shuffleSeed ?? 0));
    validation = perm.slice(0, v);
    train = perm.slice(v);
  }
  let test = range(0, testCount);

  const limit = config.limit ?? null;
  if (limit !== null) {
    if (!Number.isInteger(limit) || limit < 1) throw new DataError(`data split: limit must be a positive integer, got ${limit}`);
    if (limit < train.length) {
      const scale = limit / train.length;
      const shrink = (a: Int32Array) => a.slice(0, Math.min(a.length, Math.max(1, Math.round(a.length * scale))));
      train = train.slice(0, limit);
      validation = shrink(validation);
      if (!config.fullTest) test = shrink(test);
    }
  }
  return { train, validation, test };
}
