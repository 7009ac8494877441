// Desktop shell: the application menu as plain data (main.ts hands it to Menu.buildFromTemplate), so it is testable without Electron.

export type MenuRole =
  | 'about' | 'services' | 'hide' | 'hideOthers' | 'unhide' | 'quit' | 'close'
  | 'undo' | 'redo' | 'cut' | 'copy' | 'paste' | 'selectAll'
  | 'reload' | 'forceReload' | 'toggleDevTools' | 'resetZoom' | 'zoomIn' | 'zoomOut' | 'togglefullscreen'
  | 'minimize' | 'zoom' | 'front' | 'window' | 'help' | 'appMenu' | 'fileMenu' | 'editMenu' | 'viewMenu' | 'windowMenu';

export interface MenuItemSpec {
  id?: string;
  label?: string;
  role?: MenuRole;
  type?: 'separator' | 'normal' | 'submenu';
  accelerator?: string;
  click?: () => void;
  submenu?: MenuItemSpec[];
}

export interface MenuActions {
  newExperiment(): void;
  openRun(): void;
  exportReport(): void;
  chooseDataDir(): void;
  openExternal(url: string): void;
}

export interface MenuOptions {
  platform: NodeJS.Platform;
  appName: string;
  /** Development builds get reload and dev tools; packaged ones do not. */
  isDev: boolean;
  /** Only offered when the contract has a report request (the report is the engine's, not a placeholder). */
  hasReport: boolean;
  actions: MenuActions;
}

const sep: MenuItemSpec = { type: 'separator' };

export const FASHION_MNIST_URL = 'https://github.com/zalandoresearch/fashion-mnist';

export function buildMenuTemplate(o: MenuOptions): MenuItemSpec[] {
  const mac = o.platform === 'darwin';
  const file: MenuItemSpec[] = [
    { id: 'newExperiment', label: 'New Experiment', accelerator: 'CmdOrCtrl+N', click: o.actions.newExperiment },
    { id: 'openRun', label: 'Open Run…', accelerator: 'CmdOrCtrl+O', click: o.actions.openRun },
    ...(o.hasReport
      ? [{ id: 'exportReport', label: 'Export Report (PDF)…', accelerator: 'CmdOrCtrl+Shift+E', click: o.actions.exportReport }]
      : []),
    sep,
    { id: 'chooseDataDir', label: 'Choose Data Folder…', click: o.actions.chooseDataDir },
    sep,
    mac ? { role: 'close' } : { role: 'quit', accelerator: 'CmdOrCtrl+Q' },
  ];
  const view: MenuItemSpec[] = [
    ...(o.isDev ? [{ role: 'reload' as const }, { role: 'forceReload' as const }, { role: 'toggleDevTools' as const }, sep] : []),
    { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, sep, { role: 'togglefullscreen' },
  ];
  return [
    ...(mac
      ? [{ label: o.appName, submenu: [
        { role: 'about' }, sep, { role: 'services' }, sep, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, sep, { role: 'quit' },
      ] } satisfies MenuItemSpec]
      : []),
    { label: '&File', submenu: file },
    { label: '&Edit', submenu: [{ role: 'undo' }, { role: 'redo' }, sep, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] },
    { label: '&View', submenu: view },
    { label: '&Window', role: 'window', submenu: mac ? [{ role: 'minimize' }, { role: 'zoom' }, sep, { role: 'front' }] : [{ role: 'minimize' }, { role: 'close' }] },
    { label: '&Help', role: 'help', submenu: [
      { id: 'fashionMnist', label: 'About the Fashion-MNIST Data Set', click: () => o.actions.openExternal(FASHION_MNIST_URL) },
      ...(mac ? [] : [{ role: 'about' as const }]),
    ] },
  ];
}
