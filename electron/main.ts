/**
 * Electron main process: one secure window, the typed API over IPC, nothing else. All work lives
 * in the services shared with web mode (app/services.ts).
 */
import { app, BrowserWindow, ipcMain, session, shell } from 'electron';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { errorBody, createDispatch } from '../app/dispatch.ts';
import { createServices } from '../app/services.ts';
import { contentSecurityPolicy } from '../server/csp.ts';
import { isAppUrl, secureWindowOptions } from './windowOptions.ts';

const archiveArg = process.argv.find((a) => a.startsWith('--archive='));
const root = fileURLToPath(new URL('..', import.meta.url));
const rendererIndex = join(root, 'dist', 'renderer', 'index.html');
const rendererUrl = pathToFileURL(rendererIndex).href;

app.enableSandbox();

app.whenReady().then(async () => {
  const archivePath = archiveArg ? archiveArg.slice('--archive='.length) : join(app.getPath('userData'), 'archive.x3ecg.sqlite');
  let win: BrowserWindow | null = null;
  const services = await createServices({
    archivePath,
    transport: 'electron',
    emit: (event) => win?.webContents.send('x3ecg:event', event),
  });
  const dispatch = createDispatch(services.handlers, (l) => console.error(l));

  ipcMain.handle('x3ecg:call', async (event, method: unknown, input: unknown) => {
    // Answer only our own page, never a frame that navigated elsewhere.
    if (!event.senderFrame || !isAppUrl(event.senderFrame.url, rendererUrl)) return errorBody(new Error('refused'));
    try {
      return { result: await dispatch(String(method), input) };
    } catch (err) {
      return errorBody(err);
    }
  });

  session.defaultSession.setPermissionRequestHandler((_wc, _perm, done) => done(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.webRequest.onHeadersReceived((details, done) => {
    done({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy] } });
  });

  win = new BrowserWindow(secureWindowOptions(join(root, 'dist-electron', 'preload.cjs')));
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (e, url) => {
    if (!isAppUrl(url, rendererUrl)) e.preventDefault();
  });
  win.webContents.on('will-attach-webview', (e) => e.preventDefault());
  win.once('ready-to-show', () => win?.show());
  await win.loadURL(rendererUrl);

  app.on('window-all-closed', async () => {
    await services.close();
    app.quit();
  });
});
