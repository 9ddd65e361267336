import * as ort from 'onnxruntime-node';
import { buildLightX3ecgGraph } from './lightx3ecgGraph.ts';
import { fixtureWeights, fixtureInputs } from '../testing/parityFixture.ts';
import { readFileSync, readdirSync } from 'node:fs';
const layout = process.argv[2] as '1d'|'2d'; const B = Number(process.argv[3]);
const s = await ort.InferenceSession.create(buildLightX3ecgGraph(fixtureWeights(4), 4, { variant:'full', stage3:false, layout }), { intraOpNumThreads:2, graphOptimizationLevel:'all', enableProfiling:true, profileFilePrefix:`/tmp/ox/prof_${layout}_${B}` });
const x = fixtureInputs(); const xb = new Float32Array(B*15000); for (let b=0;b<B;b++) xb.set(x.subarray((b%3)*15000,(b%3+1)*15000), b*15000);
for (let i=0;i<5;i++) await s.run({ ecg: new ort.Tensor('float32', xb, [B,3,5000]) });
const f = s.endProfiling();
