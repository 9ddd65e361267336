/** Names and attributes of our fused training kernels (no imports: the network reads it too). */
export const BN_TRAIN_KERNEL = 'X3BatchNormTrain';
export const BN_TRAIN_GRAD_KERNEL = 'X3BatchNormTrainGrad';
export const BN_TRAIN_KERNELS = [BN_TRAIN_KERNEL, BN_TRAIN_GRAD_KERNEL] as const;

export interface BatchNormTrainAttrs {
  eps: number;
  /** max(0, ·) after the affine step (and its mask in the gradient). */
  relu: boolean;
}

/**
 * A residual block's end, y = max(0, x·s + r): x, r [B, L, C], the SE gate s [B, C] broadcast over L.
 *   X3ScaleAddRelu      {x, s, r} → y
 *   X3ScaleAddReluGrad  {dy, x, s, y} → [dx, ds, dr]
 */
export const SCALE_ADD_RELU_KERNEL = 'X3ScaleAddRelu';
export const SCALE_ADD_RELU_GRAD_KERNEL = 'X3ScaleAddReluGrad';
export const SCALE_ADD_RELU_KERNELS = [SCALE_ADD_RELU_KERNEL, SCALE_ADD_RELU_GRAD_KERNEL] as const;
