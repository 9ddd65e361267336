/**
 * The backbone as a chain of segments (stem, then eight residual blocks), each a function of its input
 * and its own parameters. Training uses this to recompute one segment at a time during the backward
 * pass (gradient checkpointing), so memory holds segment boundaries rather than every intermediate.
 */
import * as tf from '@tensorflow/tfjs';
import { backboneSpecs, isBuffer, STAGES } from './architecture.ts';
import { batchNorm, type ForwardContext } from './context.ts';
import { resBlock } from './resBlock.ts';
import { maxPoolStem, stemConv } from './leadBackbone.ts';

export interface Segment {
  /** Spec prefix, e.g. `lead0.stem` or `lead0.stage2.block1`. */
  prefix: string;
  /** Trainable parameter names of this segment. */
  paramNames: string[];
  run(ctx: ForwardContext, x: tf.Tensor): tf.Tensor;
}

export function backboneSegments(lead: number): Segment[] {
  const trainable = backboneSpecs(lead).filter((s) => !isBuffer(s.kind)).map((s) => s.name);
  const names = (prefix: string) => trainable.filter((n) => n.startsWith(`${prefix}.`));
  const p = `lead${lead}`;
  const segs: Segment[] = [
    {
      prefix: `${p}.stem`,
      paramNames: names(`${p}.stem`),
      run: (ctx, x) => maxPoolStem(batchNorm(ctx, `${p}.stem.bn`, stemConv(ctx, `${p}.stem.conv`, x as tf.Tensor2D), true) as tf.Tensor3D),
    },
  ];
  STAGES.forEach((st, i) => {
    for (const j of [0, 1]) {
      const prefix = `${p}.stage${i}.block${j}`;
      segs.push({ prefix, paramNames: names(prefix), run: (ctx, x) => resBlock(ctx, prefix, x as tf.Tensor3D, j === 0 && st.downsample) });
    }
  });
  return segs;
}
