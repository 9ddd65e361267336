/**
 * Picks the TF.js backend at run time: tfjs-node (native TensorFlow) when it loads, else wasm (SIMD;
 * single-threaded in Node), else the pure-JS cpu backend. Training needs gradient kernels; wasm lacks
 * the conv backprop ones, which the network supplies itself (network/depthwise.ts, im2col stem), so wasm
 * trains too. A kernel engineer's faster kernels are registered through `models/native/index.ts`
 * (`registerFastKernels`) when that module exists.
 */
import * as tf from '@tensorflow/tfjs';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type BackendPurpose = 'inference' | 'training';

let nodeTried: Promise<boolean> | null = null;
let wasmTried: Promise<boolean> | null = null;
let nativeModule: Promise<{ registerFastKernels?: (t?: typeof tf, backend?: string) => unknown } | null> | null = null;

async function tryNode(): Promise<boolean> {
  try {
    const name = '@tensorflow/tfjs-node';
    await import(name); // optional dependency: absent here, present on machines where it installs
    return tf.findBackend('tensorflow') !== undefined || tf.engine().registryFactory.tensorflow !== undefined;
  } catch {
    return false;
  }
}

async function tryWasm(): Promise<boolean> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    return true;
  } catch {
    return false;
  }
}

/** Faster kernels from models/native (when that module exists) for the backend just activated; idempotent. */
async function registerNative(backend: string): Promise<void> {
  nativeModule ??= import('./native/index.ts' as string).catch(() => null);
  const mod = await nativeModule;
  try {
    mod?.registerFastKernels?.(tf, backend);
  } catch {
    // a kernel module that fails to register leaves the backend's own kernels in place
  }
}

/**
 * wasm's Identity copies the tensor, and TF.js clones (Identity) every tensor a kernel saves for its
 * gradient: ~20 full-size copies per residual block in a training step. Tensors are immutable, so the
 * clone can share the data with a reference count, as wasm's own Reshape and the cpu backend's Identity do.
 */
function shareIdentityOnWasm(): void {
  const original = tf.getKernel('Identity', 'wasm');
  if (!original || (original as { x3ecgShared?: boolean }).x3ecgShared) return;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype === 'string') return original.kernelFunc(args);
      (args.backend as unknown as { incRef(id: object): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
    x3ecgShared: true,
  } as tf.KernelConfig);
}

/** Preference order; X3ECG_BACKEND=cpu|wasm|tensorflow forces one. */
function preference(): BackendName[] {
  const forced = process.env.X3ECG_BACKEND as BackendName | undefined;
  if (forced) return [forced];
  return ['tensorflow', 'wasm', 'cpu'];
}

/**
 * Activates the best available backend (or `want` when given and available) and returns its name.
 */
export async function initBackend(want?: BackendName): Promise<BackendName> {
  nodeTried ??= tryNode();
  wasmTried ??= tryWasm();
  const available: Record<BackendName, boolean> = { tensorflow: await nodeTried, wasm: await wasmTried, cpu: true };
  const order = want ? [want] : preference();
  for (const name of order) {
    if (!available[name]) continue;
    if (tf.getBackend() === name) return name;
    if (await tf.setBackend(name)) {
      await tf.ready();
      if (name === 'wasm') shareIdentityOnWasm();
      await registerNative(name);
      return name;
    }
  }
  if (want) throw new Error(`backend ${want} is not available (have: ${Object.entries(available).filter(([, v]) => v).map(([k]) => k).join(', ')})`);
  await tf.setBackend('cpu');
  await registerNative('cpu');
  return 'cpu';
}

/** Names of backends that load here, best first. */
export async function availableBackends(): Promise<BackendName[]> {
  nodeTried ??= tryNode();
  wasmTried ??= tryWasm();
  const out: BackendName[] = [];
  if (await nodeTried) out.push('tensorflow');
  if (await wasmTried) out.push('wasm');
  out.push('cpu');
  return out;
}

/** The active backend as reported to users: "tfjs-wasm", "tfjs-node", "tfjs-cpu". */
export function activeBackendLabel(): string {
  const b = tf.getBackend();
  return b === 'tensorflow' ? 'tfjs-node' : `tfjs-${b}`;
}
