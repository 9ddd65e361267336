/**
 * One Content-Security-Policy for both shells: only the app's own files, no eval, no remote
 * content. `connect-src 'self'` lets the web client reach its own loopback server (ws: is listed
 * because some browsers do not treat ws://same-host as 'self').
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self' ws://127.0.0.1:* ws://localhost:*",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
