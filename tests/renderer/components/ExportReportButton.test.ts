// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import ExportReportButton from '../../../renderer/src/components/ExportReportButton.vue';
import { requests } from '../../../shared/api.js';

describe('ExportReportButton', () => {
  it('is shown exactly when the contract has an exportReport request', () => {
    const w = mount(ExportReportButton, { props: { runIds: ['a', 'b'] } });
    expect(w.find('[data-testid=export-report]').exists()).toBe('exportReport' in requests);
  });
});
