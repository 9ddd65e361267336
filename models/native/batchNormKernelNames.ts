/** Names and attributes of the fused BatchNorm-training kernels (no imports: the network reads it too). */
export const BN_TRAIN_KERNEL = 'X3BatchNormTrain';
export const BN_TRAIN_GRAD_KERNEL = 'X3BatchNormTrainGrad';
export const BN_TRAIN_KERNELS = [BN_TRAIN_KERNEL, BN_TRAIN_GRAD_KERNEL] as const;

export interface BatchNormTrainAttrs {
  eps: number;
  /** max(0, ·) after the affine step (and its mask in the gradient). */
  relu: boolean;
}
