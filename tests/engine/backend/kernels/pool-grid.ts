// Test helper: the pooling parameter grid shared by the pooling kernel tests.
export interface PoolCase { h: number; w: number; c: number; batch: number; size: number; stride: number; pad: 'valid' | 'same' }

export function poolCases(): PoolCase[] {
  const out: PoolCase[] = [];
  for (const [h, w] of [[8, 8], [9, 7], [26, 26]]) for (const size of [1, 2, 3]) for (const stride of [1, 2])
    for (const pad of ['valid', 'same'] as const) for (const [c, batch] of [[1, 2], [5, 1]]) out.push({ h, w, c, batch, size, stride, pad });
  return out;
}

export function pooledSize(n: number, size: number, stride: number, pad: 'valid' | 'same'): number {
  return pad === 'same' ? Math.ceil(n / stride) : Math.ceil((n - size + 1) / stride);
}
