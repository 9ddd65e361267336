/**
 * The currency between engines: named weight tensors in PyTorch layout, keyed by the spec's
 * layer names (`lead0.stage1.block0.conv1.dw.weight`, `attention.fc1.weight`, `classifier.fc.bias`, …),
 * exactly as in ../shared/fixtures/parity/*.weights.json. Every engine (tfjs, onnxruntime) loads
 * from and saves to this form, so a model package has one weight format whatever ran it.
 */
export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

export type NamedWeights = Map<string, NamedTensor>;
