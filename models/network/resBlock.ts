/** Residual block (spec §3.3): sepConv k7 → BN → ReLU → Dropout 0.3 → sepConv k7 → BN → SE, plus shortcut. */
import * as tf from '@tensorflow/tfjs';
import { batchNorm, type ForwardContext } from './context.ts';
import { dropout } from './dropout.ts';
import { seGate } from './seBlock.ts';
import { scaleAddRelu } from './scaleAddRelu.ts';
import { sepConv } from './sepConv.ts';

export function resBlock(ctx: ForwardContext, prefix: string, x: tf.Tensor3D, downsample: boolean): tf.Tensor3D {
  const s = downsample ? 2 : 1;
  let main = sepConv(ctx, `${prefix}.conv1`, x, s, 3);
  main = batchNorm(ctx, `${prefix}.bn1`, main, true) as tf.Tensor3D;
  main = dropout(ctx, main, 0.3, `${prefix}.conv1.pw.weight`) as tf.Tensor3D;
  main = sepConv(ctx, `${prefix}.conv2`, main, 1, 3);
  main = batchNorm(ctx, `${prefix}.bn2`, main) as tf.Tensor3D;
  const gate = seGate(ctx, `${prefix}.se`, main);
  const short = downsample ? (batchNorm(ctx, `${prefix}.shortcut_bn`, sepConv(ctx, `${prefix}.shortcut`, x, 2, 0)) as tf.Tensor3D) : x;
  return scaleAddRelu(main, gate, short);
}
