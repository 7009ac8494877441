// Desktop shell entry (Electron main process): lifecycle, the one hardened window, app:// protocol, menu, dialogs, IPC binding.
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, screen, session, shell, type MenuItemConstructorOptions, type WebContents } from 'electron';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHELL_CHOOSE_DATA_DIR_CHANNEL, SHELL_COMMAND_CHANNEL, type ShellCommand } from '../shared/shell.js';
import { createWorkbench, defaultAppDataDir, defaultRunsDir, type Workbench } from './engine/workbench.js';
import { bindIpc, forwardEvents } from './ipc/bind.js';
import { isRequestName } from './ipc/contract.js';
import { contentSecurityPolicy } from './ipc/csp.js';
import { chooseDataDir, dialogOverrides, importRunFromDialog, type FileDialogs } from './ipc/files.js';
import { buildMenuTemplate, FASHION_MNIST_URL } from './ipc/menu.js';
import { createExternalLinkCheck, createUrlCheck } from './ipc/sender.js';
import { loadWindowState, saveWindowState } from './ipc/window-state.js';
import { resolveStaticFile, StaticPathError } from './server/static.js';

const APP_SCHEME = 'app';
const APP_HOST = 'workbench';
const APP_URL = `${APP_SCHEME}://${APP_HOST}/`;
const HERE = path.dirname(fileURLToPath(import.meta.url)); // dist/electron
const RENDERER_DIR = path.join(HERE, '..', 'renderer');
const PRELOAD = path.join(HERE, 'preload.cjs');
const isDev = !app.isPackaged;
const isAppUrl = createUrlCheck([APP_URL]);
// The only links the app shows; add one here when a page or menu item gets a new one.
const isAppLink = createExternalLinkCheck([FASHION_MNIST_URL]);
const CSP = contentSecurityPolicy();

// Must happen before "ready": app:// behaves like a secure, standard origin (relative URLs, fetch, storage).
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
]);
app.enableSandbox();

let mainWindow: BrowserWindow | null = null;
let workbench: Workbench | null = null;
let unbindIpc: (() => void) | null = null;
let stopForwarding: (() => void) | null = null;

function textResponse(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Security-Policy': CSP } });
}

/** Serves dist/renderer under app://workbench/ (same path checks as browser mode). */
async function serveApp(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.host !== APP_HOST) return textResponse(404, 'Not found');
  try {
    const found = await resolveStaticFile(RENDERER_DIR, url.pathname);
    return new Response(await readFile(found.file), {
      headers: { 'Content-Type': found.contentType, 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff' },
    });
  } catch (err) {
    if (err instanceof StaticPathError) {
      const missing = err.status === 404 && url.pathname.replace(/\/$/, '').split('/').pop()?.includes('.') !== true;
      return textResponse(err.status, missing ? `The renderer is not built (${RENDERER_DIR}): run \`npm run build\`.` : err.message);
    }
    return textResponse(500, `Could not read ${url.pathname}: ${(err as Error).message}`);
  }
}

function sendShell(command: ShellCommand): void {
  const wc = mainWindow?.webContents;
  if (wc && !wc.isDestroyed()) wc.send(SHELL_COMMAND_CHANNEL, command);
}

function showError(title: string, err: unknown): void {
  dialog.showErrorBox(title, err instanceof Error ? err.message : String(err));
}

const dialogs: FileDialogs = {
  async saveFile({ title, defaultName, filters }) {
    const opts = { title, defaultPath: path.join(app.getPath('documents'), defaultName), filters };
    const r = mainWindow ? await dialog.showSaveDialog(mainWindow, opts) : await dialog.showSaveDialog(opts);
    return r.canceled || !r.filePath ? null : r.filePath;
  },
  async openFile({ title, filters }) {
    const opts = { title, filters, properties: ['openFile' as const] };
    const r = mainWindow ? await dialog.showOpenDialog(mainWindow, opts) : await dialog.showOpenDialog(opts);
    return r.canceled ? null : (r.filePaths[0] ?? null);
  },
  async openFolder({ title }) {
    const opts = { title, properties: ['openDirectory' as const] };
    const r = mainWindow ? await dialog.showOpenDialog(mainWindow, opts) : await dialog.showOpenDialog(opts);
    return r.canceled ? null : (r.filePaths[0] ?? null);
  },
};

/** Hands one of the app's own https links to the OS browser; anything else is refused and logged. */
function openAppLink(url: string): void {
  if (isAppLink(url)) void shell.openExternal(url);
  else console.warn(`[shell] not opening ${url}: not one of the app's links`);
}

/** Every web contents (window or anything it might spawn) gets the same leash: no navigation away, no new windows. */
function harden(contents: WebContents): void {
  const onNavigate = (event: { preventDefault(): void }, url: string): void => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    openAppLink(url);
  };
  contents.on('will-navigate', onNavigate);
  contents.on('will-frame-navigate', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openAppLink(url);
    return { action: 'deny' };
  });
}

function createWindow(): void {
  const stateFile = path.join(app.getPath('userData'), 'window-state.json');
  const state = loadWindowState(stateFile, screen.getAllDisplays().map((d) => d.workArea));
  const win = new BrowserWindow({
    x: state.x, y: state.y, width: state.width, height: state.height,
    minWidth: 900, minHeight: 600,
    show: false,
    title: app.getName(),
    icon: isDev ? path.join(HERE, '..', '..', 'resources', 'icon.png') : undefined,
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      devTools: isDev,
    },
  });
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  win.on('close', () => {
    try {
      saveWindowState(stateFile, { ...win.getNormalBounds(), maximized: win.isMaximized() });
    } catch (err) {
      console.error(`Could not remember the window size: ${(err as Error).message}`);
    }
  });
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  mainWindow = win;
  void win.loadURL(`${APP_URL}index.html`);
}

function installMenu(wb: Workbench): void {
  const template = buildMenuTemplate({
    platform: process.platform,
    appName: app.getName(),
    isDev,
    hasReport: isRequestName('exportReport'),
    actions: {
      newExperiment: () => sendShell({ command: 'newExperiment' }),
      openRun: () => {
        importRunFromDialog(wb.handlers, dialogs)
          .then((runId) => runId && sendShell({ command: 'openRun', runId }))
          .catch((err) => showError('Could not open the run', err));
      },
      exportReport: () => sendShell({ command: 'exportReport' }),
      chooseDataDir: () => {
        chooseDataDir(wb.handlers, dialogs)
          .then((r) => !r.cancelled && sendShell({ command: 'settingsChanged', settings: r.settings }))
          .catch((err) => showError('Could not use that folder', err));
      },
      openExternal: openAppLink,
    },
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template as MenuItemConstructorOptions[]));
}

async function start(): Promise<void> {
  protocol.handle(APP_SCHEME, serveApp);
  // The app needs no camera, location, notifications…; copying to the clipboard and fullscreen are all it asks for.
  const allowed = new Set(['clipboard-sanitized-write', 'fullscreen']);
  session.defaultSession.setPermissionRequestHandler((wc, permission, callback) => {
    callback(allowed.has(permission) && isAppUrl(wc.getURL()));
  });
  session.defaultSession.setPermissionCheckHandler((_wc, permission, origin) => allowed.has(permission) && isAppUrl(origin));

  const wb = await createWorkbench({
    runsDir: defaultRunsDir(),
    // Settings and model drafts live in the app's own data folder, never beside the runs folder: the same folder as
    // browser mode and the CLI use (~/.config/fashion-workbench), so a draft saved here trains with `--model NAME`.
    appDataDir: defaultAppDataDir(),
    mode: 'electron',
  });
  workbench = wb;
  unbindIpc = bindIpc({
    ipcMain,
    handlers: wb.handlers,
    isTrustedSender: isAppUrl,
    overrides: dialogOverrides(wb.handlers, dialogs),
    extra: { [SHELL_CHOOSE_DATA_DIR_CHANNEL]: () => chooseDataDir(wb.handlers, dialogs) },
    onRejected: (channel, reason) => console.warn(`[ipc] ${channel}: ${reason}`),
  });
  stopForwarding = forwardEvents(wb, () => mainWindow?.webContents);
  installMenu(wb);
  createWindow();
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('web-contents-created', (_event, contents) => harden(contents));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (workbench && BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  let quitting = false;
  app.on('before-quit', (event) => {
    // Let the engine mark running runs and stop its workers before the process goes away.
    if (quitting || !workbench) return;
    event.preventDefault();
    quitting = true;
    stopForwarding?.();
    unbindIpc?.();
    const wb = workbench;
    workbench = null;
    void wb.close().catch((err) => console.error(`Engine did not close cleanly: ${(err as Error).message}`)).finally(() => app.quit());
  });
  app.whenReady().then(start).catch((err: unknown) => {
    showError('The workbench could not start', err);
    app.exit(1);
  });
}
