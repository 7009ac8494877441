// @vitest-environment jsdom
// Tests the model editor's kernel fields: initializer and L2 land in the layer as the contract spells them, and a bad
// L2 is named on its layer and field.
import { beforeEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import ModelsView from '../../../renderer/src/views/ModelsView.vue';
import { useModelsStore } from '../../../renderer/src/stores/models.js';
import { installFakeApi } from '../fakeApi.js';

describe('LayerFields: kernel initializer and L2', () => {
  beforeEach(() => {
    localStorage.clear();
    setActivePinia(createPinia());
    installFakeApi({ listPresets: () => [] });
  });

  it('sets and clears kernelInitializer and kernelRegularizer on a Dense layer', async () => {
    const w = mount(ModelsView);
    const models = useModelsStore();
    await w.get('[data-testid=new-blank]').trigger('click');
    await w.get('[data-testid=layer-0-kernelInitializer]').setValue('heNormal');
    await w.get('[data-testid=layer-0-kernelRegularizer]').setValue('1e-4');
    expect(models.current!.layers[0].layer).toMatchObject({ kernelInitializer: 'heNormal', kernelRegularizer: { l2: 1e-4 } });
    expect(w.find('[data-testid=layer-0-issue]').exists()).toBe(false);
    await w.get('[data-testid=layer-0-kernelInitializer]').setValue('');
    await w.get('[data-testid=layer-0-kernelRegularizer]').setValue('');
    expect(models.current!.layers[0].layer).not.toHaveProperty('kernelInitializer');
    expect(models.current!.layers[0].layer).not.toHaveProperty('kernelRegularizer');
  });

  it('names a negative L2 on its layer', async () => {
    const w = mount(ModelsView);
    await w.get('[data-testid=new-blank]').trigger('click');
    await w.get('[data-testid=layer-0-kernelRegularizer]').setValue('-1');
    expect(w.get('[data-testid=layer-0-issue]').text()).toContain('layer 1 (Dense): kernelRegularizer must be {"l2": λ} with λ from 0 to 1; got {"l2":-1}');
    expect(w.get('[data-testid=layer-0-kernelRegularizer]').classes()).toContain('invalid');
  });
});
