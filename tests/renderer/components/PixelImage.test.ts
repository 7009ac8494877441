// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import PixelImage from '../../../renderer/src/components/PixelImage.vue';

describe('PixelImage', () => {
  // jsdom has no 2-D canvas; drawing itself is covered by the E2E test in Chromium.
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);

  it('keeps the canvas at 28×28 and scales it by CSS with pixelated rendering', () => {
    const w = mount(PixelImage, { props: { pixels: new Uint8Array(784), size: 84, alt: 'shirt' } });
    const c = w.get('canvas');
    expect(c.attributes('width')).toBe('28');
    expect(c.attributes('height')).toBe('28');
    expect(c.attributes('style')).toContain('width: 84px');
    expect(c.classes()).toContain('pixel-image');
    expect(c.attributes('aria-label')).toBe('shirt');
  });
});
