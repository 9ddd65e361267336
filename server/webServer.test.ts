import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { createDispatch } from '../app/dispatch.ts';
import { createServices, type Services } from '../app/services.ts';
import { startWebServer, type WebServer } from './webServer.ts';

let server: WebServer;
let services: Services;
const dir = mkdtempSync(join(tmpdir(), 'x3ecg-web-'));

before(async () => {
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  services = await createServices({ archivePath: join(dir, 'archive.sqlite'), transport: 'web', emit: () => {} });
  server = await startWebServer({ dispatch: createDispatch(services.handlers), staticDir: dir });
});
after(async () => {
  await server.close();
  await services.close();
});

const call = (method: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

test('an API call with the token reaches the real service', async () => {
  const res = await call('app.info', {}, { 'x-x3ecg-token': server.token });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { result: { transport: string; archivePath: string } };
  assert.equal(body.result.transport, 'web');
  assert.equal(body.result.archivePath, join(dir, 'archive.sqlite'));
});

test('requests without the token, or with a wrong one, are refused with 401', async () => {
  assert.equal((await call('app.info', {})).status, 401);
  assert.equal((await call('app.info', {}, { 'x-x3ecg-token': 'x'.repeat(server.token.length) })).status, 401);
  assert.equal((await fetch(`${server.url}/`)).status, 401);
  assert.equal((await fetch(`${server.url}/index.html`)).status, 401);
});

test('the launch URL swaps the token for an HttpOnly same-site cookie', async () => {
  const res = await fetch(server.launchUrl, { redirect: 'manual' });
  assert.equal(res.status, 302);
  const cookie = res.headers.get('set-cookie') ?? '';
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const page = await fetch(`${server.url}/`, { headers: { cookie: cookie.split(';')[0] } });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  assert.doesNotMatch(page.headers.get('content-security-policy') ?? '', /unsafe-eval/);
});

test('a foreign Host (DNS rebinding) or Origin is refused even with the token, and no CORS header is sent', async () => {
  const { request } = await import('node:http');
  const status = (headers: Record<string, string>) =>
    new Promise<{ status: number; cors: unknown }>((ok, fail) => {
      const req = request(`${server.url}/api/app.info`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-x3ecg-token': server.token, ...headers } }, (res) => {
        res.resume();
        ok({ status: res.statusCode ?? 0, cors: res.headers['access-control-allow-origin'] });
      });
      req.on('error', fail);
      req.end('{}');
    });
  assert.equal((await status({ host: `evil.example:${server.port}` })).status, 403);
  assert.equal((await status({ origin: 'http://evil.example' })).status, 403);
  const ok = await status({ origin: `http://127.0.0.1:${server.port}` });
  assert.equal(ok.status, 200);
  assert.equal(ok.cors, undefined);
});

test('malformed calls get 4xx errors, never reach a handler', async () => {
  const h = { 'x-x3ecg-token': server.token };
  assert.equal((await call('no.such.method', {}, h)).status, 400);
  assert.equal((await call('records.get', { id: 'DROP TABLE records' }, h)).status, 400);
  assert.equal((await call('app.info', { extra: 1 }, h)).status, 400);
  const bad = await fetch(`${server.url}/api/app.info`, { method: 'POST', headers: { 'content-type': 'application/json', ...h }, body: '{not json' });
  assert.equal(bad.status, 400);
  const get = await fetch(`${server.url}/api/app.info`, { headers: h });
  assert.equal(get.status, 405);
});

test('static paths cannot escape the renderer folder', async () => {
  const res = await fetch(`${server.url}/..%2f..%2fetc%2fpasswd`, { headers: { 'x-x3ecg-token': server.token } });
  const text = await res.text();
  assert.doesNotMatch(text, /root:/);
});

test('the server listens on loopback 127.0.0.1 only: not reachable on another address', async () => {
  await assert.rejects(startWebServer({ dispatch: async () => null, staticDir: dir, host: '0.0.0.0' as '127.0.0.1' }), /loopback/);
  // 127.0.0.2 is loopback too, but not the address we bound: the connection must be refused.
  const refused = await new Promise<boolean>((ok) => {
    const s = connect({ host: '127.0.0.2', port: server.port });
    s.once('connect', () => (s.destroy(), ok(false)));
    s.once('error', () => ok(true));
  });
  assert.equal(refused, true);
});

test('the event WebSocket needs the token too', async () => {
  const wsUrl = server.url.replace('http', 'ws') + '/events';
  const noToken = await new Promise<string>((ok) => {
    const ws = new WebSocket(wsUrl);
    ws.on('open', () => ok('open'));
    ws.on('error', (e) => ok(String(e.message)));
  });
  assert.match(noToken, /401/);
  const ws = new WebSocket(wsUrl, { headers: { 'x-x3ecg-token': server.token } });
  await new Promise((ok) => ws.on('open', ok));
  const got = new Promise<string>((ok) => ws.on('message', (d) => ok(String(d))));
  server.broadcast({ type: 'archive.changed', reason: 'test' });
  assert.deepEqual(JSON.parse(await got), { type: 'archive.changed', reason: 'test' });
  ws.close();
});
