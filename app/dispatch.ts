/**
 * The single entry both transports call: validate at the edge, run the handler, turn any failure
 * into an ApiError with a code the transport can map (HTTP status, IPC error object).
 */
import { ApiError, parseCall, type Method, type Output, type ParsedInput } from '../api/contract.ts';

export type Handlers = { [M in Method]: (input: ParsedInput<M>) => Promise<Output<M>> | Output<M> };

export type Dispatch = (method: string, input: unknown) => Promise<unknown>;

export function createDispatch(handlers: Handlers, log: (line: string) => void = () => {}): Dispatch {
  return async (method, input) => {
    const call = parseCall(method, input);
    try {
      const handler = handlers[call.method] as (i: unknown) => unknown;
      return await handler(call.input);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      // Service errors are user-facing (bad file, unknown record); their text never holds signal data.
      log(`${call.method} failed: ${message}`);
      throw new ApiError(classify(err), message);
    }
  };
}

function classify(err: unknown): ApiError['code'] {
  const code = (err as { code?: unknown })?.code;
  if (code === 'not_found' || code === 'conflict' || code === 'bad_request') return code;
  const name = (err as { name?: unknown })?.name;
  if (name === 'NotFoundError') return 'not_found';
  if (name === 'FormatError' || name === 'ValidationError') return 'bad_request';
  return 'internal';
}

export function errorBody(err: unknown): { error: { code: ApiError['code']; message: string } } {
  if (err instanceof ApiError) return { error: { code: err.code, message: err.message } };
  return { error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } };
}
