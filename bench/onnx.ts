/**
 * onnxruntime-node inference speed for LightX3ECG (4-class, input [B, 3, 5000]) against PyTorch 1.13
 * CPU with 2 threads, measured in the same run. Each engine runs in its own child process so its
 * peak RSS is its own. PyTorch is measured only when `python3 -c "import torch"` works (Debian's
 * python3-torch; a bench-only dependency).
 *
 *   npm run bench -- onnx
 *   node --import tsx bench/onnx.ts --measure-onnx 1d     (one child measurement, JSON on stdout)
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const SINGLE_RUNS = 30;
const BATCH = 32;
const BATCH_RUNS = 7;

interface Figures {
  engine: string;
  singleMs: number;
  /** Fastest single call: the least disturbed by other load on a shared machine. */
  singleMinMs?: number;
  batchMsPerEcg: number;
  batchMinMsPerEcg?: number;
  peakRssMb: number;
  trainStepMsPerEcg?: number;
  note?: string;
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Real ECGs from the parity fixture, tiled to `batch`. */
async function inputs(batch: number): Promise<Float32Array> {
  const { fixtureInputs } = await import('../models/testing/parityFixture.ts');
  const x = fixtureInputs();
  const out = new Float32Array(batch * 15000);
  for (let b = 0; b < batch; b++) out.set(x.subarray((b % 3) * 15000, (b % 3 + 1) * 15000), b * 15000);
  return out;
}

async function measureOnnx(layout: '1d' | '2d'): Promise<Figures> {
  const { createOnnxEngine } = await import('../models/onnx/onnxEngine.ts');
  const { fixtureWeights } = await import('../models/testing/parityFixture.ts');
  const engine = await createOnnxEngine(fixtureWeights(4), 4, { layout, threads: 2 });
  const x1 = await inputs(1);
  const xb = await inputs(BATCH);
  for (let i = 0; i < 3; i++) await engine.run(x1, 1);
  const single: number[] = [];
  for (let i = 0; i < SINGLE_RUNS; i++) {
    const t = performance.now();
    await engine.run(x1, 1);
    single.push(performance.now() - t);
  }
  await engine.run(xb, BATCH);
  const batch: number[] = [];
  for (let i = 0; i < BATCH_RUNS; i++) {
    const t = performance.now();
    await engine.run(xb, BATCH);
    batch.push((performance.now() - t) / BATCH);
  }
  await engine.dispose();
  return { engine: `onnxruntime-node (${layout} graph)`, singleMs: median(single), singleMinMs: Math.min(...single), batchMsPerEcg: median(batch), batchMinMsPerEcg: Math.min(...batch), peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

const TRAIN_BATCH = 4;

/**
 * One TF.js training step (forward in training mode, cross-entropy, gradients of every weight) of
 * the TF.js network on `backend`, with or without models/native's fast kernels. Batch 4: a wasm step
 * takes seconds, so a batch of 32 would make this bench take minutes.
 */
async function measureTfjsTrain(backend: string, fast: boolean): Promise<Figures> {
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-wasm');
  const { createParams } = await import('../models/network/params.ts');
  const { lightx3ecg, fromLeadMajor } = await import('../models/network/lightx3ecg.ts');
  const { fixtureWeights } = await import('../models/testing/parityFixture.ts');
  const { registerFastKernels } = await import('../models/native/index.ts');
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} unavailable`);
  await tf.ready();
  if (fast) registerFastKernels(tf);
  const params = createParams(fixtureWeights(4), 4);
  const x = fromLeadMajor(await inputs(TRAIN_BATCH), TRAIN_BATCH, 5000);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: TRAIN_BATCH }, (_, i) => i % 4), 'int32'), 4);
  let step_ = 0;
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        // Dropout seeds vary per layer and step, as in training; the API field is the TF.js engineer's.
        const ctx = { params, training: true, seedFor: (owner: string) => step_ * 1000 + owner.length };
        const out = lightx3ecg(ctx as Parameters<typeof lightx3ecg>[0], x);
        return tf.losses.softmaxCrossEntropy(labels, out.logits) as import('@tensorflow/tfjs').Scalar;
      });
      for (const g of Object.values(grads)) g.dataSync();
      step_++;
      return value.dataSync()[0];
    });
  step();
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    step();
    times.push((performance.now() - t) / TRAIN_BATCH);
    const used = process.cpuUsage(c);
    cpu.push((used.user + used.system) / 1000 / TRAIN_BATCH);
  }
  return {
    engine: `tfjs-${backend} train step${fast ? ' + native kernels' : ''}`,
    singleMs: -1,
    batchMsPerEcg: -1,
    trainStepMsPerEcg: median(times),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    // wasm runs on one thread, so CPU time per ECG is the figure least moved by other load.
    note: `batch ${TRAIN_BATCH}, fastest ${Math.min(...times).toFixed(0)} ms/ECG, CPU ${median(cpu).toFixed(0)} ms/ECG`,
  };
}

/** The same network in PyTorch (random init: timing only), same shapes, 2 threads. */
const TORCH_SCRIPT = String.raw`
import json, resource, sys, time
import torch, torch.nn as nn
torch.set_num_threads(2)
torch.manual_seed(0)
class Sep(nn.Module):
    def __init__(s, ci, co, k, st, p):
        super().__init__(); s.dw = nn.Conv1d(ci, ci, k, st, p, groups=ci, bias=False); s.pw = nn.Conv1d(ci, co, 1, bias=False)
    def forward(s, x): return s.pw(s.dw(x))
class SE(nn.Module):
    def __init__(s, c): super().__init__(); s.sq = Sep(c, c // 16, 1, 1, 0); s.ex = Sep(c // 16, c, 1, 1, 0)
    def forward(s, x): return x * torch.sigmoid(s.ex(torch.relu(s.sq(x.mean(-1, keepdim=True)))))
class Block(nn.Module):
    def __init__(s, ci, down):
        super().__init__(); co = 2 * ci if down else ci
        s.c1 = Sep(ci, co, 7, 2 if down else 1, 3); s.b1 = nn.BatchNorm1d(co); s.d = nn.Dropout(0.3)
        s.c2 = Sep(co, co, 7, 1, 3); s.b2 = nn.BatchNorm1d(co); s.se = SE(co)
        s.sc = nn.Sequential(Sep(ci, co, 1, 2, 0), nn.BatchNorm1d(co)) if down else nn.Identity()
    def forward(s, x): return torch.relu(s.se(s.b2(s.c2(s.d(torch.relu(s.b1(s.c1(x))))))) + s.sc(x))
class Backbone(nn.Module):
    def __init__(s):
        super().__init__(); s.stem = nn.Sequential(nn.Conv1d(1, 64, 15, 2, 7), nn.BatchNorm1d(64), nn.ReLU(), nn.MaxPool1d(3, 2, 1))
        blocks = []
        for ci, down in [(64, False), (64, True), (128, True), (256, True)]:
            blocks += [Block(ci, down), Block(2 * ci if down else ci, False)]
        s.blocks = nn.Sequential(*blocks)
    def forward(s, x): return s.blocks(s.stem(x))
class Net(nn.Module):
    def __init__(s, C):
        super().__init__(); s.bb = nn.ModuleList([Backbone() for _ in range(3)])
        s.fc1 = nn.Linear(1536, 512); s.bn = nn.BatchNorm1d(512); s.fc2 = nn.Linear(512, 3); s.cls = nn.Linear(512, C)
        s.d1 = nn.Dropout(0.3); s.d2 = nn.Dropout(0.2)
    def forward(s, x):
        f = [s.bb[i](x[:, i:i + 1]).mean(-1) for i in range(3)]
        a = torch.sigmoid(s.fc2(s.d1(torch.relu(s.bn(s.fc1(torch.cat(f, 1)))))))
        return s.cls(s.d2(sum(a[:, i:i + 1] * f[i] for i in range(3))))
net = Net(4)
params = sum(p.numel() for p in net.parameters())
assert params == 5341167, params
med = lambda v: sorted(v)[len(v) // 2]
net.eval()
out = {"params": params, "torch": torch.__version__}
with torch.no_grad():
    x1 = torch.randn(1, 3, 5000)
    for _ in range(3): net(x1)
    t = []
    for _ in range(${SINGLE_RUNS}):
        a = time.perf_counter(); net(x1); t.append(time.perf_counter() - a)
    out["singleMs"] = med(t) * 1e3
    out["singleMinMs"] = min(t) * 1e3
    xb = torch.randn(${BATCH}, 3, 5000)
    net(xb)
    t = []
    for _ in range(${BATCH_RUNS}):
        a = time.perf_counter(); net(xb); t.append((time.perf_counter() - a) / ${BATCH})
    out["batchMsPerEcg"] = med(t) * 1e3
    out["batchMinMsPerEcg"] = min(t) * 1e3
out["inferRssMb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
if "--train" in sys.argv:
    net.train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=5e-5)
    xb = torch.randn(${BATCH}, 3, 5000); yb = torch.randint(0, 4, (${BATCH},))
    t = []
    for i in range(4):
        a = time.perf_counter()
        opt.zero_grad(); loss = nn.functional.cross_entropy(net(xb), yb); loss.backward(); opt.step()
        if i > 0: t.append((time.perf_counter() - a) / ${BATCH})
    out["trainStepMsPerEcg"] = med(t) * 1e3
out["peakRssMb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
`;

function torchPython(): string | undefined {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return undefined;
}

function measureTorch(train: boolean): Figures | string {
  const py = torchPython();
  if (!py) return 'PyTorch not importable (apt-get install -y python3-torch to measure the baseline)';
  const r = spawnSync(py, ['-', ...(train ? ['--train'] : [])], { input: TORCH_SCRIPT, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) return `PyTorch run failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`;
  const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as Figures & { torch: string; inferRssMb: number };
  return { ...j, engine: `PyTorch ${j.torch} CPU`, peakRssMb: j.inferRssMb, note: train ? `training process peak ${j.peakRssMb.toFixed(0)} MB` : undefined };
}

function child(args: string[]): Figures | string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) return `child ${args.join(' ')} failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`;
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Figures;
}

const fmt = (f: Figures) =>
  f.trainStepMsPerEcg !== undefined && !(f.singleMs > 0)
    ? `${f.engine.padEnd(34)} ${f.trainStepMsPerEcg!.toFixed(0)} ms/ECG per training step | peak RSS ${f.peakRssMb.toFixed(0)} MB (${f.note})`
    : `${f.engine.padEnd(34)} single ${f.singleMs.toFixed(1).padStart(6)} ms (min ${f.singleMinMs?.toFixed(1) ?? '?'}) | batch ${BATCH} ${f.batchMsPerEcg.toFixed(1).padStart(6)} ms/ECG (min ${f.batchMinMsPerEcg?.toFixed(1) ?? '?'}) | peak RSS ${f.peakRssMb.toFixed(0)} MB` +
  (f.trainStepMsPerEcg !== undefined ? ` | train step ${f.trainStepMsPerEcg.toFixed(0)} ms/ECG` : '') +
  (f.note ? ` (${f.note})` : '');

export async function run(): Promise<void> {
  console.log(`LightX3ECG 4-class, input [B,3,5000], 2 threads; load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const train = process.env.BENCH_TORCH_TRAIN === '1';
  // Interleaved (onnx, torch, onnx) so a burst of load on this shared machine shows up as disagreement.
  const results: (Figures | string)[] = [child(['--measure-onnx', '1d']), measureTorch(train), child(['--measure-onnx', '2d'])];
  for (const r of results) console.log(typeof r === 'string' ? r : fmt(r));
  const torch = results[1];
  if (typeof torch !== 'string') {
    for (const r of [results[0], results[2]]) {
      if (typeof r === 'string') continue;
      console.log(
        `ratio ${r.engine} / PyTorch (median; min): single ${(r.singleMs / torch.singleMs).toFixed(2)}; ${(r.singleMinMs! / torch.singleMinMs!).toFixed(2)}, ` +
          `batch ${BATCH} ${(r.batchMsPerEcg / torch.batchMsPerEcg).toFixed(2)}; ${(r.batchMinMsPerEcg! / torch.batchMinMsPerEcg!).toFixed(2)} (below 1 = faster)`,
      );
    }
  }

  // Training (TF.js is the training engine): a step before and after registering models/native's
  // kernels, on wasm (the backend used where tfjs-node does not install). BENCH_TORCH_TRAIN=1 adds
  // PyTorch's batch-32 training step to the baseline above (about a minute more).
  if (process.env.BENCH_SKIP_TRAIN === '1') return;
  const plain = child(['--measure-tfjs-train', 'wasm', 'plain']);
  const fast = child(['--measure-tfjs-train', 'wasm', 'fast']);
  for (const r of [plain, fast]) console.log(typeof r === 'string' ? r : fmt(r));
  if (typeof plain !== 'string' && typeof fast !== 'string') {
    console.log(`training step with native kernels / without: ${(fast.trainStepMsPerEcg! / plain.trainStepMsPerEcg!).toFixed(2)}`);
    if (typeof torch !== 'string' && torch.trainStepMsPerEcg !== undefined) {
      console.log(
        `training step per ECG, tfjs-wasm + native kernels (batch ${TRAIN_BATCH}) / PyTorch (batch ${BATCH}): ${(fast.trainStepMsPerEcg! / torch.trainStepMsPerEcg).toFixed(1)}`,
      );
    }
  }
}

const flag = process.argv.indexOf('--measure-onnx');
if (flag >= 0) {
  const f = await measureOnnx(process.argv[flag + 1] === '2d' ? '2d' : '1d');
  console.log(JSON.stringify(f));
}
const trainFlag = process.argv.indexOf('--measure-tfjs-train');
if (trainFlag >= 0) {
  const f = await measureTfjsTrain(process.argv[trainFlag + 1], process.argv[trainFlag + 2] === 'fast');
  console.log(JSON.stringify(f));
}
