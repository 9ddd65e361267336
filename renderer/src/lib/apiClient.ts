/**
 * The renderer's only door to the back end. Under Electron the preload script has put `window.api`
 * there (IPC); in web mode we build the same interface over fetch + WebSocket. Nothing else in the
 * renderer knows which transport it has.
 */
import type { ApiClient, ApiEvent, Input, Method, Output } from '../../../api/contract.ts';

declare global {
  interface Window {
    api?: ApiClient;
  }
}

export class CallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function webClient(): ApiClient {
  const listeners = new Set<(e: ApiEvent) => void>();
  let socket: WebSocket | null = null;
  const connect = () => {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    socket = new WebSocket(`${proto}://${location.host}/events`);
    socket.onmessage = (m) => {
      const event = JSON.parse(String(m.data)) as ApiEvent;
      for (const l of listeners) l(event);
    };
    socket.onclose = () => setTimeout(connect, 1000);
  };
  connect();
  return {
    async call<M extends Method>(method: M, input: Input<M>): Promise<Output<M>> {
      const res = await fetch(`/api/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        credentials: 'same-origin',
        body: JSON.stringify(input ?? {}),
      });
      const body = await res.json();
      if (!res.ok) throw new CallError(body?.error?.code ?? 'internal', body?.error?.message ?? res.statusText);
      return body.result as Output<M>;
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export const api: ApiClient = window.api ?? webClient();
