// Pure tensor-geometry helpers for shape inference (shared contract layer): Keras's output-size formulas and shape text.

/** A per-sample shape, batch axis left out: [n] for a flat vector, [h, w, c] for a feature map. */
export type Shape = readonly number[];

export type Window = number | readonly [number, number];

/** Keras accepts `3` for `(3, 3)`; the spec does too. */
export function pair(value: Window): [number, number] {
  return typeof value === 'number' ? [value, value] : [value[0], value[1]];
}

/**
 * Output length of a sliding window, as Keras computes it (dilation 1):
 * valid: floor((n - k) / s) + 1; same: ceil(n / s). Returns 0 or less when a valid window does not fit.
 */
export function windowOutput(n: number, k: number, s: number, padding: 'valid' | 'same'): number {
  return padding === 'same' ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1;
}

/** "11×11×64": how messages name a shape. */
export function dimsText(shape: Shape): string {
  return shape.join('×');
}

/** "(None, 26, 26, 32)": how Keras's summary prints an output shape with its batch axis. */
export function kerasShapeText(shape: readonly (number | null)[]): string {
  return `(${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')})`;
}

export function product(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function isImage(shape: Shape): shape is readonly [number, number, number] {
  return shape.length === 3;
}
