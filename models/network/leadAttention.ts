/**
 * Lead-wise attention and classifier (spec §5): from the three lead features to scores, the merged
 * feature and the logits. Written as a function of the features alone, so head-only training runs
 * on cached features and Grad-CAM can differentiate through it.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNorm, param, type ForwardContext } from './context.ts';
import { dropout } from './dropout.ts';
import { matMul } from './matmul.ts';

export interface HeadOutput {
  /** Independent sigmoid score per lead [B, 3]. */
  scores: tf.Tensor2D;
  /** Σ sᵢ·fᵢ [B, 512]. */
  merged: tf.Tensor2D;
  logits: tf.Tensor2D;
}

export function leadAttentionHead(ctx: ForwardContext, features: tf.Tensor2D[]): HeadOutput {
  const z = tf.concat(features, 1); // [B, 1536], index 512·lead + channel
  let h: tf.Tensor = tf.add(matMul(z, param(ctx, 'attention.fc1.weight') as tf.Tensor2D), param(ctx, 'attention.fc1.bias'));
  h = batchNorm(ctx, 'attention.bn', h, true);
  h = dropout(ctx, h, 0.3, 'attention.fc1.weight');
  const scores = tf.sigmoid(tf.add(matMul(h as tf.Tensor2D, param(ctx, 'attention.fc2.weight') as tf.Tensor2D), param(ctx, 'attention.fc2.bias'))) as tf.Tensor2D;
  let merged: tf.Tensor = tf.zerosLike(features[0]);
  features.forEach((f, i) => {
    merged = tf.add(merged, tf.mul(f, tf.slice(scores, [0, i], [-1, 1])));
  });
  const dropped = dropout(ctx, merged, 0.2, 'classifier.fc.weight') as tf.Tensor2D;
  const logits = tf.add(matMul(dropped, param(ctx, 'classifier.fc.weight') as tf.Tensor2D), param(ctx, 'classifier.fc.bias')) as tf.Tensor2D;
  return { scores, merged: merged as tf.Tensor2D, logits };
}
