/**
 * Builds the LightX3ECG inference graph (spec §3–§5, §10) as ONNX bytes straight from NamedWeights,
 * so every model version runs in onnxruntime without an export step.
 *
 * Eval-mode BN is folded into the preceding bias-free pointwise conv (or the stem conv / fc1): exact
 * algebra, computed in float64 and rounded once. The SE and shortcut per-channel scales (depthwise k=1)
 * are folded into their pointwise matrices the same way. Padding is explicit and symmetric as in
 * PyTorch (spec §8), never 'same'.
 *
 * Layout '2d' writes every 1-D conv as a 2-D conv over [B, C, 1, L]: onnxruntime's NCHWc kernels
 * (its fastest CPU convolutions) only rewrite 4-D convs. '1d' is the literal [B, C, L] form.
 */
import type { NamedWeights, NamedTensor } from '../weights.ts';
import { BN_EPS, FEATURE_DIM, INPUT_LENGTH, NUM_LEADS, STAGES, networkSpecs } from '../network/architecture.ts';
import { encodeModel, type NodeDef, type TensorInit, type ValueInfo, type AttrValue } from './onnxProto.ts';

export type GraphLayout = '1d' | '2d';

export interface GraphOptions {
  /** 'full' → logits, attention, features; 'backbone' → features only (head-mode feature extraction). */
  variant: 'full' | 'backbone';
  /** Also output `stage3_lead{0,1,2}` [B, 512, 157], the Grad-CAM layer. */
  stage3: boolean;
  layout?: GraphLayout;
}

export const INPUT_NAME = 'ecg';

function tensor(weights: NamedWeights, name: string): NamedTensor {
  const t = weights.get(name);
  if (!t) throw new Error(`weights: missing tensor ${name}`);
  return t;
}

/** Eval BN as y = x·scale + shift, in float64. */
function bnAffine(weights: NamedWeights, prefix: string): { scale: Float64Array; shift: Float64Array } {
  const g = tensor(weights, `${prefix}.weight`).data;
  const b = tensor(weights, `${prefix}.bias`).data;
  const m = tensor(weights, `${prefix}.running_mean`).data;
  const v = tensor(weights, `${prefix}.running_var`).data;
  const scale = new Float64Array(g.length);
  const shift = new Float64Array(g.length);
  for (let c = 0; c < g.length; c++) {
    scale[c] = g[c] / Math.sqrt(v[c] + BN_EPS);
    shift[c] = b[c] - m[c] * scale[c];
  }
  return { scale, shift };
}

/**
 * W'[o, i, …] = W[o, i, …]·inScale[i]·outScale[o]; b'[o] = (bias[o]·outScale[o]) + outShift[o].
 * `perOut` is the number of elements per output row (in·k).
 */
function foldLinear(
  w: Float32Array,
  cOut: number,
  opts: { k?: number; inScale?: Float32Array; bias?: Float32Array; bn?: { scale: Float64Array; shift: Float64Array } },
): { w: Float32Array; b: Float32Array | undefined } {
  const k = opts.k ?? 1;
  const perOut = w.length / cOut;
  const out = new Float32Array(w.length);
  for (let o = 0; o < cOut; o++) {
    const s = opts.bn ? opts.bn.scale[o] : 1;
    for (let j = 0; j < perOut; j++) {
      const i = Math.floor(j / k);
      out[o * perOut + j] = w[o * perOut + j] * (opts.inScale ? opts.inScale[i] : 1) * s;
    }
  }
  let b: Float32Array | undefined;
  if (opts.bn || opts.bias) {
    b = new Float32Array(cOut);
    for (let o = 0; o < cOut; o++) {
      const bias = opts.bias ? opts.bias[o] : 0;
      b[o] = opts.bn ? bias * opts.bn.scale[o] + opts.bn.shift[o] : bias;
    }
  }
  return { w: out, b };
}

/** [rows, cols] → [rowsTo, cols], extra rows zero. */
function padRows(w: Float32Array, rows: number, cols: number, rowsTo: number): Float32Array {
  if (rowsTo === rows) return w;
  const out = new Float32Array(rowsTo * cols);
  out.set(w);
  return out;
}

/** [rows, cols] → [rows, colsTo], extra columns zero. */
function padCols(w: Float32Array, rows: number, cols: number, colsTo: number): Float32Array {
  if (colsTo === cols) return w;
  const out = new Float32Array(rows * colsTo);
  for (let r = 0; r < rows; r++) out.set(w.subarray(r * cols, (r + 1) * cols), r * colsTo);
  return out;
}

class GraphBuilder {
  readonly nodes: NodeDef[] = [];
  readonly initializers: TensorInit[] = [];
  private counter = 0;

  constructor(readonly layout: GraphLayout) {}

  fresh(hint: string): string {
    return `${hint}_${this.counter++}`;
  }

  init(name: string, dims: number[], data: Float32Array | BigInt64Array): string {
    this.initializers.push({ name, dims, data });
    return name;
  }

  ints(name: string, values: number[]): string {
    return this.init(name, [values.length], BigInt64Array.from(values.map(BigInt)));
  }

  op(op: string, inputs: string[], attrs?: Record<string, AttrValue>, out?: string): string {
    const o = out ?? this.fresh(op.toLowerCase());
    this.nodes.push({ op, inputs, outputs: [o], attrs, name: `${op}_${this.nodes.length}` });
    return o;
  }

  /** 1-D conv in the graph's layout. `w` is PyTorch [out, in/group, k]. */
  conv(x: string, name: string, w: Float32Array, dims: [number, number, number], o: { b?: Float32Array; stride?: number; pad?: number; group?: number }): string {
    const [cOut, cInG, k] = dims;
    const two = this.layout === '2d';
    const wName = this.init(`${name}.w`, two ? [cOut, cInG, 1, k] : [cOut, cInG, k], w);
    const inputs = [x, wName];
    if (o.b) inputs.push(this.init(`${name}.b`, [cOut], o.b));
    const s = o.stride ?? 1;
    const p = o.pad ?? 0;
    return this.op('Conv', inputs, {
      kernel_shape: two ? [1, k] : [k],
      strides: two ? [1, s] : [s],
      pads: two ? [0, p, 0, p] : [p, p],
      dilations: two ? [1, 1] : [1],
      group: o.group ?? 1,
    });
  }
}

function resBlock(g: GraphBuilder, weights: NamedWeights, x: string, prefix: string, cIn: number, downsample: boolean): string {
  const cOut = downsample ? 2 * cIn : cIn;
  const r = cOut / 16;
  const t = (n: string) => tensor(weights, `${prefix}.${n}`).data;

  let h = g.conv(x, `${prefix}.conv1.dw`, t('conv1.dw.weight'), [cIn, 1, 7], { stride: downsample ? 2 : 1, pad: 3, group: cIn });
  let f = foldLinear(t('conv1.pw.weight'), cOut, { bn: bnAffine(weights, `${prefix}.bn1`) });
  h = g.op('Relu', [g.conv(h, `${prefix}.conv1.pw`, f.w, [cOut, cIn, 1], { b: f.b })]);
  h = g.conv(h, `${prefix}.conv2.dw`, t('conv2.dw.weight'), [cOut, 1, 7], { pad: 3, group: cOut });
  f = foldLinear(t('conv2.pw.weight'), cOut, { bn: bnAffine(weights, `${prefix}.bn2`) });
  h = g.conv(h, `${prefix}.conv2.pw`, f.w, [cOut, cOut, 1], { b: f.b });

  // SE (spec §3.2): mean over time, two bias-free scale+matrix steps, sigmoid gate. In the 2-D layout
  // the bottleneck is zero-padded to 16 channels (relu(0) = 0 meets zero excite columns: exact) so
  // onnxruntime keeps it in its blocked NCHWc format, whose channel counts must be multiples of 16.
  const rPad = g.layout === '2d' ? Math.ceil(r / 16) * 16 : r;
  let s = g.op('GlobalAveragePool', [h]);
  f = foldLinear(t('se.squeeze.pw.weight'), r, { inScale: t('se.squeeze.dw.weight') });
  s = g.op('Relu', [g.conv(s, `${prefix}.se.squeeze`, padRows(f.w, r, cOut, rPad), [rPad, cOut, 1], {})]);
  f = foldLinear(t('se.excite.pw.weight'), cOut, { inScale: t('se.excite.dw.weight') });
  s = g.op('Sigmoid', [g.conv(s, `${prefix}.se.excite`, padCols(f.w, cOut, r, rPad), [cOut, rPad, 1], {})]);
  h = g.op('Mul', [h, s]);

  let short = x;
  if (downsample) {
    f = foldLinear(t('shortcut.pw.weight'), cOut, { inScale: t('shortcut.dw.weight'), bn: bnAffine(weights, `${prefix}.shortcut_bn`) });
    short = g.conv(x, `${prefix}.shortcut`, f.w, [cOut, cIn, 1], { b: f.b, stride: 2 });
  }
  return g.op('Relu', [g.op('Add', [h, short])]);
}

/** One lead's backbone up to the stage-3 output (the Grad-CAM layer). */
function backbone(g: GraphBuilder, weights: NamedWeights, x: string, lead: number): string {
  const p = `lead${lead}`;
  const stem = foldLinear(tensor(weights, `${p}.stem.conv.weight`).data, 64, {
    k: 15,
    bias: tensor(weights, `${p}.stem.conv.bias`).data,
    bn: bnAffine(weights, `${p}.stem.bn`),
  });
  let h = g.op('Relu', [g.conv(x, `${p}.stem.conv`, stem.w, [64, 1, 15], { b: stem.b, stride: 2, pad: 7 })]);
  // After a ReLU every window holds a real sample ≥ 0, so ONNX's implicit −∞ pad equals PyTorch's (spec §3.4).
  const two = g.layout === '2d';
  h = g.op('MaxPool', [h], { kernel_shape: two ? [1, 3] : [3], strides: two ? [1, 2] : [2], pads: two ? [0, 1, 0, 1] : [1, 1] });
  STAGES.forEach((stage, i) => {
    h = resBlock(g, weights, h, `${p}.stage${i}.block0`, stage.cIn, stage.downsample);
    const c = stage.downsample ? 2 * stage.cIn : stage.cIn;
    h = resBlock(g, weights, h, `${p}.stage${i}.block1`, c, false);
  });
  return h;
}

/** The graph's output names, by variant. */
export function graphOutputs(opts: GraphOptions): string[] {
  const outs = opts.variant === 'full' ? ['logits', 'attention', 'features'] : ['features'];
  if (opts.stage3) for (let i = 0; i < NUM_LEADS; i++) outs.push(`stage3_lead${i}`);
  return outs;
}

/** Every tensor the spec lists must be present with its PyTorch shape (a clear error beats an ORT one). */
export function checkWeights(weights: NamedWeights, numClasses: number): void {
  for (const s of networkSpecs(numClasses)) {
    const t = weights.get(s.name);
    if (!t) throw new Error(`weights: missing tensor ${s.name} for a ${numClasses}-class LightX3ECG`);
    if (t.shape.length !== s.shape.length || t.shape.some((d, i) => d !== s.shape[i]) || t.data.length !== s.shape.reduce((a, b) => a * b, 1)) {
      throw new Error(`weights: tensor ${s.name} has shape [${t.shape}] (${t.data.length} values), expected [${s.shape}] for a ${numClasses}-class LightX3ECG`);
    }
  }
}

export function buildLightX3ecgGraph(weights: NamedWeights, numClasses: number, opts: GraphOptions): Uint8Array {
  checkWeights(weights, numClasses);
  const layout = opts.layout ?? '2d';
  const g = new GraphBuilder(layout);
  const B = 'batch';
  const inputs: ValueInfo[] = [{ name: INPUT_NAME, elemType: 1, dims: [B, NUM_LEADS, INPUT_LENGTH] }];
  const outputs: ValueInfo[] = [];

  const leadInputs = Array.from({ length: NUM_LEADS }, (_, i) => `lead${i}_input`);
  const split = layout === '2d' ? g.op('Unsqueeze', [INPUT_NAME, g.ints('axes_2', [2])]) : INPUT_NAME;
  g.nodes.push({ op: 'Split', inputs: [split], outputs: leadInputs, attrs: { axis: 1 }, name: 'split_leads' });

  const toBC = g.ints('shape_b1c', [-1, 1, FEATURE_DIM]);
  const pooled: string[] = [];
  for (let i = 0; i < NUM_LEADS; i++) {
    const a = backbone(g, weights, leadInputs[i], i);
    if (opts.stage3) {
      const name = `stage3_lead${i}`;
      if (layout === '2d') g.op('Squeeze', [a, g.ints(`axes_sq${i}`, [2])], undefined, name);
      else g.op('Identity', [a], undefined, name);
      outputs.push({ name, elemType: 1, dims: [B, FEATURE_DIM, 'time'] });
    }
    pooled.push(g.op('Reshape', [g.op('GlobalAveragePool', [a]), toBC]));
  }
  const features = g.op('Concat', pooled, { axis: 1 }, 'features');
  const featureInfo: ValueInfo = { name: 'features', elemType: 1, dims: [B, NUM_LEADS, FEATURE_DIM] };

  if (opts.variant === 'full') {
    const z = g.op('Reshape', [features, g.ints('shape_z', [-1, NUM_LEADS * FEATURE_DIM])]);
    const fc1 = foldLinear(tensor(weights, 'attention.fc1.weight').data, FEATURE_DIM, {
      bias: tensor(weights, 'attention.fc1.bias').data,
      bn: bnAffine(weights, 'attention.bn'),
    });
    const gemm = (x: string, name: string, w: Float32Array, b: Float32Array, nOut: number, nIn: number, out?: string) =>
      g.op('Gemm', [x, g.init(`${name}.w`, [nOut, nIn], w), g.init(`${name}.b`, [nOut], b)], { transB: 1 }, out);
    let h = g.op('Relu', [gemm(z, 'attention.fc1', fc1.w, fc1.b!, FEATURE_DIM, NUM_LEADS * FEATURE_DIM)]);
    h = gemm(h, 'attention.fc2', tensor(weights, 'attention.fc2.weight').data, tensor(weights, 'attention.fc2.bias').data, NUM_LEADS, FEATURE_DIM);
    const attention = g.op('Sigmoid', [h], undefined, 'attention');
    // m = Σᵢ sᵢ·fᵢ as [B,1,3]·[B,3,512].
    const merged = g.op('MatMul', [g.op('Unsqueeze', [attention, g.ints('axes_1', [1])]), features]);
    const m = g.op('Reshape', [merged, g.ints('shape_m', [-1, FEATURE_DIM])]);
    gemm(m, 'classifier.fc', tensor(weights, 'classifier.fc.weight').data, tensor(weights, 'classifier.fc.bias').data, numClasses, FEATURE_DIM, 'logits');
    outputs.unshift(
      { name: 'logits', elemType: 1, dims: [B, numClasses] },
      { name: 'attention', elemType: 1, dims: [B, NUM_LEADS] },
      featureInfo,
    );
  } else {
    outputs.unshift(featureInfo);
  }
  return encodeModel({ name: `lightx3ecg_${opts.variant}`, nodes: g.nodes, initializers: g.initializers, inputs, outputs });
}
