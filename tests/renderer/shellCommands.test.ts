// @vitest-environment jsdom
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { handleShellCommand, setExportReportHandler } from '../../renderer/src/shellCommands.js';
import { parseHash } from '../../renderer/src/router.js';
import { useSettingsStore } from '../../renderer/src/stores/settings.js';
import { installFakeApi } from './fakeApi.js';

describe('desktop menu commands', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    installFakeApi({ listRuns: () => [], getDataStatus: () => ({ found: false, source: null, error: 'x', searched: [] }) });
    window.location.hash = '';
  });

  it('New experiment opens the Train view; Open run shows that run', () => {
    handleShellCommand({ command: 'newExperiment' });
    expect(parseHash(window.location.hash).view).toBe('train');
    handleShellCommand({ command: 'openRun', runId: 'r-1' });
    expect(parseHash(window.location.hash)).toEqual({ view: 'train', query: { run: 'r-1' } });
  });

  it('Export report runs the Compare view\'s export, or opens Compare to pick runs', () => {
    handleShellCommand({ command: 'exportReport' });
    expect(parseHash(window.location.hash).view).toBe('compare');
    const exportNow = vi.fn();
    setExportReportHandler(exportNow);
    handleShellCommand({ command: 'exportReport' });
    expect(exportNow).toHaveBeenCalledOnce();
    setExportReportHandler(null);
  });

  it('takes over settings changed from the menu', () => {
    handleShellCommand({ command: 'settingsChanged', settings: { dataDir: '/data/fm', theme: 'dark', maxConcurrentRuns: 1 } });
    expect(useSettingsStore().settings?.dataDir).toBe('/data/fm');
    expect(useSettingsStore().theme).toBe('dark');
  });
});
