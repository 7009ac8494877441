// Test helper: the convolution parameter grid (strides, paddings, kernel sizes, channels, batch) shared by conv kernel tests.
export interface ConvCase { stride: number; pad: 'valid' | 'same'; k: number; ci: number; co: number; batch: number; h: number; w: number; outH: number; outW: number }

export function convCases(): ConvCase[] {
  const out: ConvCase[] = [];
  // Odd, non-square input so that off-by-one padding and leftover rows show.
  const [h, w] = [9, 8];
  for (const stride of [1, 2]) for (const pad of ['valid', 'same'] as const) for (const k of [1, 3, 5])
    for (const [ci, co] of [[1, 4], [3, 8], [16, 5]]) for (const batch of [1, 3]) {
      const outH = pad === 'same' ? Math.ceil(h / stride) : Math.ceil((h - k + 1) / stride);
      const outW = pad === 'same' ? Math.ceil(w / stride) : Math.ceil((w - k + 1) / stride);
      out.push({ stride, pad, k, ci, co, batch, h, w, outH, outW });
    }
  return out;
}

export const convTitle = 'stride $stride $pad k$k $ci→$co batch $batch';
