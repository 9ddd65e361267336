/**
 * Preload (sandboxed): exposes exactly the typed API client as `window.api`, nothing of Node or
 * Electron. Must stay a single file with no imports but `electron` (sandboxed preloads cannot require).
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { ApiClient, ApiEvent } from '../api/contract.ts';

const client: ApiClient = {
  async call(method, input) {
    const reply = await ipcRenderer.invoke('x3ecg:call', method, input);
    if (reply && reply.error) {
      const err = new Error(reply.error.message) as Error & { code?: string };
      err.code = reply.error.code;
      throw err;
    }
    return reply.result;
  },
  // A dropped File's real path, which only the preload can read (the page never sees Node).
  pathForFile(file) {
    try {
      return webUtils.getPathForFile(file as File) || null;
    } catch {
      return null;
    }
  },
  onEvent(listener) {
    const handler = (_e: IpcRendererEvent, event: ApiEvent) => listener(event);
    ipcRenderer.on('x3ecg:event', handler);
    return () => ipcRenderer.removeListener('x3ecg:event', handler);
  },
};

contextBridge.exposeInMainWorld('api', client);
