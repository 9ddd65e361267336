import { homedir } from 'node:os';
import { join } from 'node:path';

/** The OS user-data folder, the same place Electron's app.getPath('userData') gives for this app. */
export function userDataDir(appName = 'x3ecg-workstation'): string {
  const home = homedir();
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), appName);
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', appName);
  return join(process.env.XDG_CONFIG_HOME ?? join(home, '.config'), appName);
}

export function defaultArchivePath(): string {
  return join(userDataDir(), 'archive.x3ecg.sqlite');
}

/** The project root (where package.json, demo/ and dist/ live). */
export const projectRoot = new URL('..', import.meta.url).pathname;
