import { createOnnxEngine } from './onnxEngine.ts';
import { fixtureWeights, fixtureInputs } from '../testing/parityFixture.ts';
const w = fixtureWeights(4);
const e1 = await createOnnxEngine(w, 4, { layout: '1d' });
const e2 = await createOnnxEngine(w, 4, { layout: '2d' });
const x = fixtureInputs();
const B = Number(process.argv[2] ?? 1);
const xb = new Float32Array(B*15000); for (let b=0;b<B;b++) xb.set(x.subarray((b%3)*15000,(b%3+1)*15000), b*15000);
const t1:number[]=[], t2:number[]=[];
for (let i=0;i<(B>1?8:40);i++){ let a=performance.now(); await e1.run(xb,B); t1.push((performance.now()-a)/B); a=performance.now(); await e2.run(xb,B); t2.push((performance.now()-a)/B); }
const s=(v:number[])=>{v.sort((a,b)=>a-b); return `min ${v[0].toFixed(1)} med ${v[v.length>>1].toFixed(1)}`};
console.log('B',B,'1d',s(t1),'| 2d',s(t2));
