// @vitest-environment jsdom
// BackendInfo: a run on webgpu names its adapter and marks a software one; other backends show no adapter line.
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import BackendInfo from '../../../renderer/src/components/BackendInfo.vue';
import type { BackendInfo as Info } from '../../../shared/run.js';

const base: Info = { name: 'webgpu', reason: 'webgpu chosen explicitly', skipped: [], addedKernels: [] };

describe('BackendInfo', () => {
  it('shows a software adapter with a warning badge', () => {
    const w = mount(BackendInfo, { props: { backend: { ...base, adapter: { name: 'SwiftShader driver 5.0.0', vendor: 'google', architecture: 'swiftshader', fallback: true, software: true } } } });
    const row = w.get('[data-testid=backend-adapter]');
    expect(row.text()).toContain('SwiftShader driver 5.0.0');
    const kind = w.get('[data-testid=backend-adapter-kind]');
    expect(kind.text()).toBe('software fallback adapter, runs on the CPU');
    expect(kind.classes()).toContain('warn');
  });

  it('shows a hardware adapter as such', () => {
    const w = mount(BackendInfo, { props: { backend: { ...base, adapter: { name: 'NVIDIA GeForce RTX 3080', vendor: 'nvidia', architecture: 'ampere', fallback: false, software: false } } } });
    expect(w.get('[data-testid=backend-adapter-kind]').text()).toBe('hardware adapter');
    expect(w.get('[data-testid=backend-adapter-kind]').classes()).toContain('ok');
  });

  it('has no adapter line for a CPU backend', () => {
    const w = mount(BackendInfo, { props: { backend: { ...base, name: 'wasm' } } });
    expect(w.find('[data-testid=backend-adapter]').exists()).toBe(false);
  });
});
