// The application menu as data: the usual items and shortcuts, dev tools only in development.
import { describe, expect, it, vi } from 'vitest';
import { buildMenuTemplate, FASHION_MNIST_URL, type MenuItemSpec, type MenuOptions } from '../../../electron/ipc/menu.js';

function actions() {
  return { newExperiment: vi.fn(), openRun: vi.fn(), exportReport: vi.fn(), chooseDataDir: vi.fn(), openExternal: vi.fn() };
}

function flatten(items: MenuItemSpec[]): MenuItemSpec[] {
  return items.flatMap((i) => [i, ...flatten(i.submenu ?? [])]);
}

function build(over: Partial<MenuOptions> = {}) {
  const a = actions();
  const items = flatten(buildMenuTemplate({ platform: 'linux', appName: 'Workbench', isDev: false, hasReport: true, actions: a, ...over }));
  return { a, items, byId: (id: string) => items.find((i) => i.id === id) };
}

describe('application menu', () => {
  it('has New experiment, Open run and Export report with shortcuts, wired to their actions', () => {
    const { a, byId } = build();
    expect(byId('newExperiment')?.accelerator).toBe('CmdOrCtrl+N');
    expect(byId('openRun')?.accelerator).toBe('CmdOrCtrl+O');
    expect(byId('exportReport')?.accelerator).toBe('CmdOrCtrl+Shift+E');
    byId('newExperiment')!.click!();
    byId('openRun')!.click!();
    byId('exportReport')!.click!();
    byId('chooseDataDir')!.click!();
    expect(a.newExperiment).toHaveBeenCalledOnce();
    expect(a.openRun).toHaveBeenCalledOnce();
    expect(a.exportReport).toHaveBeenCalledOnce();
    expect(a.chooseDataDir).toHaveBeenCalledOnce();
  });

  it('offers dev tools and reload only in development', () => {
    expect(build({ isDev: false }).items.some((i) => i.role === 'toggleDevTools' || i.role === 'reload')).toBe(false);
    expect(build({ isDev: true }).items.some((i) => i.role === 'toggleDevTools')).toBe(true);
  });

  it('leaves Export report out when the contract has no report request', () => {
    expect(build({ hasReport: false }).byId('exportReport')).toBeUndefined();
  });

  it('has the edit roles (copy/paste in forms) and a macOS app menu only on macOS', () => {
    const linux = build();
    for (const role of ['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll', 'quit'] as const) {
      expect(linux.items.some((i) => i.role === role)).toBe(true);
    }
    expect(linux.items.some((i) => i.role === 'hideOthers')).toBe(false);
    expect(build({ platform: 'darwin' }).items.some((i) => i.role === 'hideOthers')).toBe(true);
  });

  it('opens the data set page through the https-only external opener', () => {
    const { a, byId } = build();
    byId('fashionMnist')!.click!();
    expect(a.openExternal).toHaveBeenCalledWith(FASHION_MNIST_URL);
    expect(FASHION_MNIST_URL.startsWith('https://')).toBe(true);
  });
});
