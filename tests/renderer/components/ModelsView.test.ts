// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { mount, flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import ModelsView from '../../../renderer/src/views/ModelsView.vue';
import { useModelsStore } from '../../../renderer/src/stores/models.js';
import { installFakeApi } from '../fakeApi.js';

describe('ModelsView', () => {
  beforeEach(() => {
    localStorage.clear();
    setActivePinia(createPinia());
    installFakeApi({ listPresets: () => [] });
  });

  it('shows shapes and parameters per layer and in total, updating as the user types', async () => {
    const w = mount(ModelsView);
    await w.get('[data-testid=new-blank]').trigger('click');
    expect(w.get('[data-testid=total-params]').text()).toBe('7,850');
    await w.get('[data-testid=add-layer]').trigger('click');
    expect(w.get('[data-testid=total-params]').text()).toBe('101,770');
    expect(w.get('[data-testid=layer-0-shape]').text()).toBe('(None, 128)');
    await w.get('[data-testid=layer-0-units]').setValue('300');
    expect(w.get('[data-testid=layer-0-params]').text()).toBe('235,500');
    expect(w.get('[data-testid=total-params]').text()).toBe('238,510');
  });

  it('puts a validation error inline on the offending layer and marks the field', async () => {
    const w = mount(ModelsView);
    await w.get('[data-testid=new-blank]').trigger('click');
    await w.get('[data-testid=add-layer]').trigger('click');
    await w.get('[data-testid=layer-0-units]').setValue('-3');
    const issue = w.get('[data-testid=layer-0-issue]');
    expect(issue.text()).toMatch(/layer 1 \(Dense\): units must be a positive integer/);
    expect(w.get('[data-testid=layer-0-units]').classes()).toContain('invalid');
    expect(w.get('[data-testid=layer-row-0]').classes()).toContain('has-issue');
    expect(w.find('[data-testid=layer-1-issue]').exists()).toBe(false);
    expect((w.get('[data-testid=train-draft]').element as HTMLButtonElement).disabled).toBe(true);
  });

  it('says when the output layer is not Dense(10, softmax)', async () => {
    const w = mount(ModelsView);
    await w.get('[data-testid=new-blank]').trigger('click');
    await w.get('[data-testid=layer-0-units]').setValue('5');
    expect(w.get('[data-testid=layer-0-issue]').text()).toMatch(/last layer must be Dense\(10, softmax\)/);
  });

  it('renders the Keras-style summary of the seed CNN: 225,034 parameters', async () => {
    const models = useModelsStore();
    installFakeApi({
      listPresets: () => [{
        id: 'seed-cnn', title: 'Seed CNN', description: '', hyper: { learningRate: 0.001, batchSize: 128, epochs: 10 },
        model: { name: 'seed-cnn', inputShape: [28, 28, 1], layers: [
          { type: 'Conv2D', filters: 32, kernelSize: 3, activation: 'relu' }, { type: 'MaxPooling2D', poolSize: 2 },
          { type: 'Conv2D', filters: 64, kernelSize: 3, activation: 'relu' }, { type: 'MaxPooling2D', poolSize: 2 },
          { type: 'Flatten' }, { type: 'Dense', units: 128, activation: 'relu' }, { type: 'Dense', units: 10, activation: 'softmax' },
        ] },
      }],
    });
    await models.loadPresets();
    const w = mount(ModelsView);
    await flushPromises();
    const rows = w.findAll('[data-testid=keras-summary] tbody tr').map((r) => r.findAll('td').map((c) => c.text()));
    expect(rows[0]).toEqual(['conv2d (Conv2D)', '(None, 26, 26, 32)', 'relu', '320']);
    expect(rows[3][1]).toBe('(None, 5, 5, 64)');
    expect(rows[4]).toEqual(['flatten (Flatten)', '(None, 1600)', '—', '0']);
    expect(rows.at(-1)![3]).toBe('225,034');
  });
});
