import assert from 'node:assert/strict';
import { test } from 'node:test';
import { electronBinary, startApp } from './harness.ts';

test('web mode: the page loads in Chromium and shows what a real API call returns', async () => {
  const app = await startApp();
  try {
    const count = app.page.getByTestId('record-count');
    await count.waitFor({ timeout: 30_000 });
    // The same call the page made, made again over HTTP with the token: the page must show its answer.
    const info = await app.page.evaluate(async () => {
      const r = await fetch('/api/app.info', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      return (await r.json()) as { result: { records: number } };
    });
    assert.equal(await count.textContent(), `${info.result.records} records`);
    await app.screenshot('smoke');
  } finally {
    await app.close();
  }
});

test('electron: the same scenario through Playwright _electron', { skip: electronBinary() ? false : 'no Electron binary on this machine (its install downloads it); web mode covers the scenario' }, async () => {
  const { _electron } = await import('playwright-core');
  const app = await _electron.launch({ args: ['.'], executablePath: electronBinary()! });
  try {
    const page = await app.firstWindow();
    await page.getByTestId('record-count').waitFor({ timeout: 30_000 });
  } finally {
    await app.close();
  }
});
