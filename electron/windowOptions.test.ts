import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isAppUrl, secureWindowOptions } from './windowOptions.ts';

test('the BrowserWindow the shell builds is isolated, sandboxed and has no Node', () => {
  const prefs = secureWindowOptions('/app/dist-electron/preload.cjs').webPreferences!;
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.nodeIntegrationInWorker, false);
  assert.equal(prefs.nodeIntegrationInSubFrames, false);
  assert.equal(prefs.webSecurity, true);
  assert.equal(prefs.allowRunningInsecureContent, false);
  assert.equal(prefs.webviewTag, false);
  assert.equal(prefs.preload, '/app/dist-electron/preload.cjs');
});

test('only the app bundle may be navigated to', () => {
  const index = 'file:///opt/x3ecg/dist/renderer/index.html';
  assert.equal(isAppUrl('file:///opt/x3ecg/dist/renderer/index.html#/review', index), true);
  assert.equal(isAppUrl('file:///etc/passwd', index), false);
  assert.equal(isAppUrl('https://example.org/', index), false);
  assert.equal(isAppUrl('not a url', index), false);
});

test('the shell denies new windows, navigation and permissions, and sets the CSP', () => {
  const main = readFileSync(new URL('./main.ts', import.meta.url), 'utf8');
  assert.match(main, /setWindowOpenHandler\([^)]*\)[\s\S]*action: 'deny'/);
  assert.match(main, /will-navigate[\s\S]*preventDefault/);
  assert.match(main, /setPermissionRequestHandler\(\(_wc, _perm, done\) => done\(false\)\)/);
  assert.match(main, /Content-Security-Policy/);
  const preload = readFileSync(new URL('./preload.ts', import.meta.url), 'utf8');
  assert.match(preload, /contextBridge\.exposeInMainWorld\('api'/);
});
