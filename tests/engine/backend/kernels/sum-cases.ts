// Test helper: Sum cases for the wasm and native Sum kernels: leading axes (bias gradients), all axes, and others.
export const SUM_CASES: Array<[shape: number[], axis: number | number[], keepDims: boolean]> = [
  [[32, 26, 26, 32], [0, 1, 2], false], [[32, 11, 11, 64], [0, 1, 2], true], [[128, 128], 0, false], [[7, 3], [0], true],
  [[5, 4, 3], [1, 0], false], [[300], 0, false], [[300], -1, true], [[6, 5, 4], [0, 1, 2], false], [[6, 5, 4], [0, 1, 2], true],
  [[4, 9], -1, false], [[3, 4, 5], [0, 2], false], [[3, 4, 5], 1, true],
];
