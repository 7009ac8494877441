// @vitest-environment jsdom
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import ExportReportButton from '../../../renderer/src/components/ExportReportButton.vue';
import { requests } from '../../../shared/api.js';
import { installFakeApi } from '../fakeApi.js';
import { toBase64 } from '../fixtures.js';

describe('ExportReportButton', () => {
  beforeEach(() => {
    URL.createObjectURL = vi.fn(() => 'blob:report');
    URL.revokeObjectURL = vi.fn();
  });

  it('is shown: the contract has the exportReport request', () => {
    // The button hides itself without the request (feature detection); the contract has it, so both must be there.
    expect(Object.keys(requests)).toContain('exportReport');
    installFakeApi();
    const w = mount(ExportReportButton, { props: { runIds: ['a', 'b'] } });
    expect(w.find('[data-testid=export-report]').exists()).toBe(true);
  });

  it('asks the engine for the selected runs and downloads the PDF', async () => {
    const pdf = toBase64(new TextEncoder().encode('%PDF-1.7 fake'));
    const fake = installFakeApi({ exportReport: () => ({ fileName: 'compare.pdf', pdf, warnings: ['run b has no test metrics'] }) } as never);
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    const w = mount(ExportReportButton, { props: { runIds: ['a', 'b'] } });
    await w.get('[data-testid=export-report]').trigger('click');
    await flushPromises();
    expect((fake.calls as Record<string, ReturnType<typeof vi.fn>>).exportReport).toHaveBeenCalledWith(expect.objectContaining({ runIds: ['a', 'b'] }));
    expect(click).toHaveBeenCalledOnce();
    expect(w.get('[data-testid=export-report-message]').text()).toBe('Report downloaded.');
    expect(w.text()).toContain('1 warning');
  });

  it('reports where the desktop shell saved the file', async () => {
    installFakeApi({ exportReport: () => ({ fileName: '/home/r/compare.pdf', pdf: '', warnings: [] }) } as never);
    const w = mount(ExportReportButton, { props: { runIds: ['a'] } });
    await w.get('[data-testid=export-report]').trigger('click');
    await flushPromises();
    expect(w.get('[data-testid=export-report-message]').text()).toBe('Report saved to /home/r/compare.pdf');
  });
});
