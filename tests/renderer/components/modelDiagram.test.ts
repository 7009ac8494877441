// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { inferShapes } from '../../../shared/model/inferShapes.js';
import { diagramNodes } from '../../../renderer/src/components/modelDiagram.js';
import ModelDiagram from '../../../renderer/src/components/ModelDiagram.vue';

const layers = [
  { type: 'Conv2D', filters: 32, kernelSize: 3, activation: 'relu' }, { type: 'MaxPooling2D', poolSize: 2 },
  { type: 'Flatten' }, { type: 'Dense', units: 10, activation: 'softmax' },
];

describe('model diagram', () => {
  it('has one box per layer after the input, with shapes and parameters from inference', () => {
    const report = inferShapes({ name: 'm', inputShape: [28, 28, 1], layers });
    const nodes = diagramNodes([28, 28, 1], layers, report);
    expect(nodes.map((n) => [n.title, n.shape, n.params])).toEqual([
      ['Input', '28×28×1', null], ['Conv2D', '26×26×32', 320], ['MaxPooling2D', '13×13×32', 0], ['Flatten', '5408', 0], ['Dense', '10', 54090],
    ]);
    expect(nodes[1].detail).toBe('32 · 3×3 · relu');
    expect(nodes.some((n) => n.bad)).toBe(false);
  });
  it('marks the broken layer and shows no shape for it', () => {
    const broken = [layers[0], { type: 'Dense', units: 8, activation: 'relu' }, ...layers.slice(1)];
    const report = inferShapes({ name: 'm', inputShape: [28, 28, 1], layers: broken });
    const nodes = diagramNodes([28, 28, 1], broken, report);
    expect(nodes[2]).toMatchObject({ title: 'Dense', bad: true, shape: '?' });
  });
  it('renders the boxes', () => {
    const report = inferShapes({ name: 'm', inputShape: [28, 28, 1], layers });
    const w = mount(ModelDiagram, { props: { inputShape: [28, 28, 1], layers, report } });
    expect(w.findAll('li.node')).toHaveLength(5);
    expect(w.find('[data-testid=diagram-node-2]').text()).toContain('5408');
    expect(w.find('[data-testid=diagram-node-3]').text()).toContain('54,090');
  });
});
