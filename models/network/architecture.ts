/**
 * The LightX3ECG tensor inventory (spec §4–§6): every weight and BN buffer by spec name, PyTorch
 * shape and kind, in the parity fixture's order. Everything else (loading, saving, pruning, counts)
 * is derived from this list.
 */
export type TensorKind =
  | 'conv1d_weight'
  | 'depthwise_conv1d_weight'
  | 'pointwise_conv1d_weight'
  | 'linear_weight'
  | 'bias'
  | 'bn_gamma'
  | 'bn_beta'
  | 'bn_running_mean'
  | 'bn_running_var';

export interface TensorSpec {
  name: string;
  shape: number[];
  kind: TensorKind;
}

export const LEADS = ['I', 'II', 'V1'] as const;
export const NUM_LEADS = 3;
export const INPUT_LENGTH = 5000;
export const FEATURE_DIM = 512;
export const STAGE3_LENGTH = 157;
export const BN_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;

/** Per stage: input channels of block0 and whether block0 downsamples (stride 2, channels ×2). */
export const STAGES = [
  { cIn: 64, downsample: false },
  { cIn: 64, downsample: true },
  { cIn: 128, downsample: true },
  { cIn: 256, downsample: true },
] as const;

function bn(prefix: string, c: number): TensorSpec[] {
  return [
    { name: `${prefix}.weight`, shape: [c], kind: 'bn_gamma' },
    { name: `${prefix}.bias`, shape: [c], kind: 'bn_beta' },
    { name: `${prefix}.running_mean`, shape: [c], kind: 'bn_running_mean' },
    { name: `${prefix}.running_var`, shape: [c], kind: 'bn_running_var' },
  ];
}

function sepConv(prefix: string, cIn: number, cOut: number, k: number): TensorSpec[] {
  return [
    { name: `${prefix}.dw.weight`, shape: [cIn, 1, k], kind: 'depthwise_conv1d_weight' },
    { name: `${prefix}.pw.weight`, shape: [cOut, cIn, 1], kind: 'pointwise_conv1d_weight' },
  ];
}

function resBlock(prefix: string, cIn: number, downsample: boolean): TensorSpec[] {
  const cOut = downsample ? 2 * cIn : cIn;
  const r = cOut / 16;
  const specs = [
    ...sepConv(`${prefix}.conv1`, cIn, cOut, 7),
    ...bn(`${prefix}.bn1`, cOut),
    ...sepConv(`${prefix}.conv2`, cOut, cOut, 7),
    ...bn(`${prefix}.bn2`, cOut),
    ...sepConv(`${prefix}.se.squeeze`, cOut, r, 1),
    ...sepConv(`${prefix}.se.excite`, r, cOut, 1),
  ];
  if (downsample) specs.push(...sepConv(`${prefix}.shortcut`, cIn, cOut, 1), ...bn(`${prefix}.shortcut_bn`, cOut));
  return specs;
}

export function backboneSpecs(lead: number): TensorSpec[] {
  const p = `lead${lead}`;
  const specs: TensorSpec[] = [
    { name: `${p}.stem.conv.weight`, shape: [64, 1, 15], kind: 'conv1d_weight' },
    { name: `${p}.stem.conv.bias`, shape: [64], kind: 'bias' },
    ...bn(`${p}.stem.bn`, 64),
  ];
  STAGES.forEach((s, i) => {
    specs.push(...resBlock(`${p}.stage${i}.block0`, s.cIn, s.downsample));
    const c = s.downsample ? 2 * s.cIn : s.cIn;
    specs.push(...resBlock(`${p}.stage${i}.block1`, c, false));
  });
  return specs;
}

export function headSpecs(numClasses: number): TensorSpec[] {
  return [
    { name: 'attention.fc1.weight', shape: [512, 1536], kind: 'linear_weight' },
    { name: 'attention.fc1.bias', shape: [512], kind: 'bias' },
    ...bn('attention.bn', 512),
    { name: 'attention.fc2.weight', shape: [3, 512], kind: 'linear_weight' },
    { name: 'attention.fc2.bias', shape: [3], kind: 'bias' },
    { name: 'classifier.fc.weight', shape: [numClasses, 512], kind: 'linear_weight' },
    { name: 'classifier.fc.bias', shape: [numClasses], kind: 'bias' },
  ];
}

export function networkSpecs(numClasses: number): TensorSpec[] {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`numClasses must be a positive integer, got ${numClasses}`);
  return [...backboneSpecs(0), ...backboneSpecs(1), ...backboneSpecs(2), ...headSpecs(numClasses)];
}

export const isBuffer = (kind: TensorKind) => kind === 'bn_running_mean' || kind === 'bn_running_var';
/** Conv and linear weights: the pruning pool (spec §13). */
export const isPrunable = (kind: TensorKind) =>
  kind === 'conv1d_weight' || kind === 'depthwise_conv1d_weight' || kind === 'pointwise_conv1d_weight' || kind === 'linear_weight';

export const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Trainable parameter count (BN running statistics excluded): 5,341,167 for 4 classes. */
export function paramCount(numClasses: number): number {
  return networkSpecs(numClasses)
    .filter((s) => !isBuffer(s.kind))
    .reduce((n, s) => n + numel(s.shape), 0);
}

/** One row per module for `model-info`: name, output shape (NLC) and parameter count. */
export function layerSummary(numClasses: number): { layer: string; output: string; params: number }[] {
  const specs = networkSpecs(numClasses).filter((s) => !isBuffer(s.kind));
  const count = (prefix: string) => specs.filter((s) => s.name.startsWith(prefix)).reduce((n, s) => n + numel(s.shape), 0);
  const rows = [{ layer: 'lead*.stem', output: '[B,1250,64] (after max-pool)', params: 3 * count('lead0.stem.') }];
  const lengths = [1250, 625, 313, 157];
  STAGES.forEach((s, i) => {
    const c = s.downsample ? 2 * s.cIn : s.cIn;
    for (const b of [0, 1]) rows.push({ layer: `lead*.stage${i}.block${b}`, output: `[B,${lengths[i]},${c}]`, params: 3 * count(`lead0.stage${i}.block${b}.`) });
  });
  rows.push({ layer: 'lead*.pool', output: '[B,512] per lead', params: 0 });
  rows.push({ layer: 'attention', output: '[B,3] scores', params: count('attention.') });
  rows.push({ layer: 'classifier', output: `[B,${numClasses}] logits`, params: count('classifier.') });
  return rows;
}
