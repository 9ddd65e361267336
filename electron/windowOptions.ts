/**
 * The BrowserWindow options the shell builds, as a pure function so a test can inspect them
 * without Electron: isolation, sandbox and no Node in the page are not negotiable.
 */
import type { BrowserWindowConstructorOptions } from 'electron';

export function secureWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    title: 'x3ecg workstation',
    backgroundColor: '#f6f7f9',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: !process.env.X3ECG_NO_DEVTOOLS,
    },
  };
}

/** Only the app's own bundle may be loaded: everything else is refused. */
export function isAppUrl(url: string, rendererIndexUrl: string): boolean {
  try {
    const u = new URL(url);
    const base = new URL('.', rendererIndexUrl);
    return u.protocol === 'file:' && u.href.startsWith(base.href);
  } catch {
    return false;
  }
}
