/**
 * Web mode: the same typed API as the Electron shell, over loopback HTTP (calls) and a WebSocket
 * (events). Loopback only, one random token per launch, Host and Origin checked so another site
 * (or a DNS-rebound name) cannot drive it, and no CORS headers at all.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiError, httpStatus, type ApiEvent } from '../api/contract.ts';
import { errorBody, type Dispatch } from '../app/dispatch.ts';
import { contentSecurityPolicy } from './csp.ts';

export interface WebServerOptions {
  dispatch: Dispatch;
  /** Folder with the built renderer (index.html + assets). */
  staticDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Only loopback addresses are accepted. */
  host?: '127.0.0.1' | '::1';
  token?: string;
  log?: (line: string) => void;
}

export interface WebServer {
  url: string;
  /** The URL to open: carries the token once; the server swaps it for a same-site cookie. */
  launchUrl: string;
  token: string;
  port: number;
  broadcast(event: ApiEvent): void;
  close(): Promise<void>;
}

const TOKEN_HEADER = 'x-x3ecg-token';
const COOKIE = 'x3ecg_token';
const MAX_BODY = 4 * 1024 * 1024;

const mime: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const host = opts.host ?? '127.0.0.1';
  if (host !== '127.0.0.1' && host !== '::1') throw new Error(`web mode listens on loopback only, not ${host}`);
  const token = opts.token ?? randomBytes(32).toString('base64url');
  const log = opts.log ?? (() => {});
  const staticRoot = resolve(opts.staticDir);
  let port = 0;

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  const allowedOrigins = () => new Set([...allowedHosts()].map((h) => `http://${h}`));

  function refusal(req: IncomingMessage, url: URL): { status: number; reason: string } | null {
    if (!allowedHosts().has(req.headers.host ?? '')) return { status: 403, reason: 'host not allowed' };
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin)) return { status: 403, reason: 'origin not allowed' };
    if (!hasToken(req, url, token)) return { status: 401, reason: 'missing or wrong token' };
    return null;
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refused = refusal(req, url);
    if (refused) return sendJson(res, refused.status, { error: { code: refused.status === 401 ? 'unauthorized' : 'forbidden', message: refused.reason } });

    if (url.searchParams.has('token')) {
      // Swap the launch token for an HttpOnly same-site cookie and drop it from the address bar.
      res.writeHead(302, {
        'Set-Cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: '/',
        'Cache-Control': 'no-store',
      });
      return res.end();
    }
    if (url.pathname.startsWith('/api/')) return handleApi(req, res, url.pathname.slice(5));
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: { code: 'bad_request', message: 'method not allowed' } });
    return serveStatic(res, staticRoot, url.pathname);
  });

  async function handleApi(req: IncomingMessage, res: ServerResponse, method: string) {
    if (req.method !== 'POST') return sendJson(res, 405, { error: { code: 'bad_request', message: 'API calls are POST' } });
    if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
      return sendJson(res, 415, { error: { code: 'bad_request', message: 'content-type must be application/json' } });
    let input: unknown;
    try {
      input = JSON.parse(await readBody(req));
    } catch (err) {
      const message = err instanceof ApiError ? err.message : 'body is not valid JSON';
      return sendJson(res, 400, { error: { code: 'bad_request', message } });
    }
    try {
      const result = await opts.dispatch(decodeURIComponent(method), input);
      sendJson(res, 200, { result: result ?? null });
    } catch (err) {
      const body = errorBody(err);
      sendJson(res, httpStatus[body.error.code], body);
    }
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refused = url.pathname === '/events' ? refusal(req, url) : { status: 404, reason: 'not found' };
    if (refused) {
      socket.end(`HTTP/1.1 ${refused.status} ${refused.reason}\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
    });
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, host, () => ok());
  });
  port = (server.address() as AddressInfo).port;
  const base = `http://${host === '::1' ? '[::1]' : host}:${port}`;
  log(`web mode on ${base}`);

  return {
    url: base,
    launchUrl: `${base}/?token=${token}`,
    token,
    port,
    broadcast(event) {
      const data = JSON.stringify(event);
      for (const ws of sockets) ws.send(data);
    },
    close: () =>
      new Promise<void>((ok) => {
        for (const ws of sockets) ws.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

function hasToken(req: IncomingMessage, url: URL, token: string): boolean {
  const candidates = [
    req.headers[TOKEN_HEADER],
    url.searchParams.get('token') ?? undefined,
    readCookie(req.headers.cookie, COOKIE),
  ];
  return candidates.some((c) => typeof c === 'string' && safeEqual(c, token));
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function readCookie(header: string | undefined, key: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === key) return v.join('=');
  }
  return undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        fail(new ApiError('bad_request', `request body over ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(data);
}

function serveStatic(res: ServerResponse, root: string, pathname: string) {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return sendJson(res, 400, { error: { code: 'bad_request', message: 'bad path' } });
  }
  if (rel.includes('\0')) return sendJson(res, 400, { error: { code: 'bad_request', message: 'bad path' } });
  let file = normalize(join(root, rel));
  if (file !== root && !file.startsWith(root + sep)) return sendJson(res, 404, { error: { code: 'not_found', message: 'not found' } });
  if (!existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
  if (!existsSync(file)) return sendJson(res, 404, { error: { code: 'not_found', message: 'renderer not built: run npm run build' } });
  res.writeHead(200, {
    'Content-Type': mime[extname(file)] ?? 'application/octet-stream',
    'Content-Security-Policy': contentSecurityPolicy,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  });
  createReadStream(file).pipe(res);
}
