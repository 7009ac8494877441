// Chart test inputs: the seed report's ANN/CNN histories and per-class F1 (figures 8, 9, 12, 13).
import type { CurveEpoch } from '../../../shared/charts/index.js';

const annRows = [
  [0.7529, 0.7261, 0.8552, 0.4079], [0.8603, 0.3893, 0.8723, 0.3561], [0.8747, 0.3409, 0.88, 0.3379],
  [0.8871, 0.309, 0.8748, 0.3544], [0.8917, 0.2919, 0.8709, 0.3629], [0.8982, 0.2757, 0.8876, 0.3143],
  [0.903, 0.2627, 0.882, 0.3244], [0.9053, 0.2537, 0.8823, 0.3287], [0.91, 0.2394, 0.8872, 0.3136], [0.9159, 0.2271, 0.8879, 0.3073],
];
const cnnRows = [
  [0.6961, 0.8497, 0.8605, 0.3906], [0.8656, 0.3789, 0.872, 0.3524], [0.883, 0.3239, 0.8856, 0.3115],
  [0.8939, 0.2908, 0.8934, 0.2938], [0.9034, 0.2672, 0.9027, 0.2735], [0.9119, 0.2457, 0.9012, 0.2669],
  [0.9163, 0.2285, 0.9062, 0.2599], [0.9257, 0.2026, 0.9038, 0.2569], [0.9292, 0.1955, 0.9022, 0.2664], [0.9329, 0.1838, 0.9069, 0.2547],
];
const toEpochs = (rows: number[][]): CurveEpoch[] =>
  rows.map(([accuracy, loss, valAccuracy, valLoss], epoch) => ({ epoch, accuracy, loss, valAccuracy, valLoss }));

export const SEED_ANN_EPOCHS = toEpochs(annRows);
export const SEED_CNN_EPOCHS = toEpochs(cnnRows);
export const SEED_ANN_F1 = [0.83, 0.98, 0.79, 0.89, 0.81, 0.97, 0.67, 0.95, 0.97, 0.96];
export const SEED_CNN_F1 = [0.86, 0.98, 0.85, 0.91, 0.85, 0.98, 0.73, 0.96, 0.97, 0.96];
export const SEED_ANN_ACCURACY = 0.8837;
export const SEED_CNN_ACCURACY = 0.9061;

/** A 10×10 confusion matrix with 1000 images per class: `correct[i]` on the diagonal, the rest spread by a fixed rule. */
export function syntheticConfusion(correct: number[]): number[][] {
  return correct.map((c, i) => {
    const row = new Array(10).fill(0);
    row[i] = c;
    let left = 1000 - c;
    for (let k = 1; left > 0; k++) {
      const j = (i + k) % 10;
      if (j === i) continue;
      const take = Math.min(left, Math.ceil(left / 2));
      row[j] += take;
      left -= take;
    }
    return row;
  });
}
