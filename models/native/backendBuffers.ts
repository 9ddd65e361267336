/** Float32 views of a kernel's inputs and fresh outputs on the cpu or wasm backend, for kernels of our own. */
import type { DataType, TensorInfo } from '@tensorflow/tfjs';

interface WasmLike {
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
}
interface CpuLike {
  readSync(dataId: unknown): unknown;
  makeTensorInfo(shape: number[], dtype: DataType, values: Float32Array): TensorInfo;
}

/**
 * Allocates the outputs first, then views inputs and outputs: on wasm an allocation may grow the heap,
 * which detaches every view taken before it. On wasm the views are the backend's memory itself.
 */
export function kernelBuffers(who: string, backend: unknown, inputs: TensorInfo[], outShapes: number[][]): { ins: Float32Array[]; outs: Float32Array[]; infos: TensorInfo[] } {
  for (const t of inputs) if (t.dtype !== 'float32') throw new Error(`${who}: expected float32, got ${t.dtype}`);
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const b = backend as Partial<WasmLike & CpuLike>;
  if (typeof b.typedArrayFromHeap === 'function') {
    const w = b as WasmLike;
    const infos = outShapes.map((s) => w.makeOutput(s, 'float32'));
    return { ins: inputs.map((t) => w.typedArrayFromHeap(t)), outs: infos.map((t) => w.typedArrayFromHeap(t)), infos };
  }
  const c = b as CpuLike;
  const outs = outShapes.map((s) => new Float32Array(size(s)));
  return { ins: inputs.map((t) => c.readSync(t.dataId) as Float32Array), outs, infos: outShapes.map((s, i) => c.makeTensorInfo(s, 'float32', outs[i])) };
}
