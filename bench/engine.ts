/**
 * npm run bench -- engine [--install-torch] [--all] [--quick] [--rounds N]
 * LightX3ECG engine figures on this machine, each measurement in its own process (peak RSS per
 * measurement): single-ECG inference, batch-32 inference per ECG, a full training step per ECG at
 * batch 32 (gradient checkpointing) and at batch 4 (whole tape), a head-mode epoch over 1,000 cached
 * records, per-segment and per-kernel costs — for every TF.js backend here, onnxruntime-node for
 * reference, and PyTorch (Debian python3-torch) in the same run when it imports.
 *
 * The training step is the figure this host's noise moves most (PyTorch's own step measured 126–305 ms
 * per ECG within one hour): PyTorch and the lead-parallel step run in N alternating rounds (default 3),
 * and the ratio printed is that of their medians.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { availableBackends } from '../models/backend.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const all = args.includes('--all');
const quick = args.includes('--quick');
const rounds = Math.max(1, Number(args[args.indexOf('--rounds') + 1]) || 3);

type Probe = Record<string, unknown> & { msPerEcg?: number; peakRssBytes?: number; error?: string };

function probe(backend: string, what: string, batch: number, reps: number, env: Record<string, string> = {}): Probe {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'models/profiling/engineProbe.ts', backend, what, String(batch), String(reps)], {
    cwd: root,
    encoding: 'utf8',
    timeout: 20 * 60_000,
    maxBuffer: 1 << 24,
    env: { ...process.env, ...env },
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Probe;
  } catch {
    return { error: (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ').slice(0, 300) || `exit ${r.status}` };
  }
}

function torchPython(): string | null {
  for (const py of ['python3', '/usr/bin/python3']) {
    if (spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0) return py;
  }
  return null;
}

/** The probe whose msPerEcg is the median of the runs (its other fields come along); failures only if all failed. */
function medianProbe(runs: Probe[]): Probe {
  const ok = runs.filter((r) => r.msPerEcg !== undefined).sort((a, b) => a.msPerEcg! - b.msPerEcg!);
  if (!ok.length) return runs[0];
  const m = ok[Math.floor((ok.length - 1) / 2)];
  return { ...m, runsMsPerEcg: ok.map((r) => Math.round(r.msPerEcg! * 10) / 10), peakRssBytes: Math.max(...ok.map((r) => r.peakRssBytes ?? 0)) };
}

function torchProbe(py: string, mode: string): Probe {
  const r = spawnSync(py, ['models/profiling/torchBaseline.py', mode, '2'], { cwd: root, encoding: 'utf8', timeout: 20 * 60_000 });
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Probe;
  } catch {
    return { error: r.stderr.trim().slice(-300) };
  }
}

const gb = (b?: number) => (b ? `${(b / 1e9).toFixed(2)} GB` : '–');
const ms = (v?: number) => (v === undefined ? '–' : `${v.toFixed(1)} ms`);

export async function run(): Promise<void> {
  let py = torchPython();
  if (!py && args.includes('--install-torch')) {
    console.log('installing Debian python3-torch (apt-get install -y python3-torch) …');
    spawnSync('apt-get', ['install', '-y', 'python3-torch'], { stdio: 'inherit' });
    py = torchPython();
  }
  const rows: { engine: string; measure: string; p: Probe }[] = [];
  const add = (engine: string, measure: string, p: Probe) => {
    rows.push({ engine, measure, p });
    const runs = Array.isArray(p.runsMsPerEcg) && p.runsMsPerEcg.length > 1 ? `   (median of ${(p.runsMsPerEcg as number[]).join(', ')})` : '';
    console.log(`${engine.padEnd(18)} ${measure.padEnd(34)} ${p.error ? `failed: ${p.error}` : `${ms(p.msPerEcg).padStart(10)} /ECG   peak RSS ${gb(p.peakRssBytes)}${runs}`}`);
  };
  console.log('engine             measurement                        time         memory');
  const torch: Record<string, Probe> = {};
  if (py) {
    torch.infer1 = torchProbe(py, 'infer1');
    add('pytorch-cpu(2thr)', 'inference, batch 1', torch.infer1);
    torch.infer32 = torchProbe(py, 'infer32');
    add('pytorch-cpu(2thr)', 'inference, batch 32', torch.infer32);
  } else console.log('PyTorch baseline skipped: `import torch` fails (pass --install-torch to apt-get install python3-torch)');

  const onnx1 = probe('wasm', 'onnx-infer', 1, 10);
  add('onnxruntime-node', 'inference, batch 1', onnx1);
  const onnx32 = probe('wasm', 'onnx-infer', 32, 2);
  add('onnxruntime-node', 'inference, batch 32', onnx32);

  const ratios: string[] = [];
  const ratio = (label: string, p: Probe, base?: Probe) => {
    if (p.msPerEcg && base?.msPerEcg) ratios.push(`${label}: ${(p.msPerEcg / base.msPerEcg).toFixed(2)}× PyTorch (${p.msPerEcg.toFixed(1)} vs ${base.msPerEcg.toFixed(1)} ms/ECG)`);
  };
  ratio('onnxruntime-node inference b1', onnx1, torch.infer1);
  ratio('onnxruntime-node inference b32', onnx32, torch.infer32);

  for (const b of await availableBackends()) {
    const engine = b === 'tensorflow' ? 'tfjs-node' : `tfjs-${b}`;
    const slow = b === 'cpu' && !all;
    const i1 = probe(b, 'infer', 1, slow ? 1 : 10);
    add(engine, 'inference, batch 1', i1);
    ratio(`${engine} inference b1`, i1, torch.infer1);
    if (slow) {
      console.log(`${engine.padEnd(18)} (batch-32 and training skipped: ~50× slower; pass --all)`);
      continue;
    }
    const i32 = probe(b, 'infer', 32, 2);
    add(engine, 'inference, batch 32', i32);
    ratio(`${engine} inference b32`, i32, torch.infer32);
    if (quick) continue;
    const t32 = probe(b, 'train', 32, 1);
    add(engine, 'training step, batch 32 (checkpointed)', t32);
    if (b !== 'tensorflow') {
      // alternating rounds: PyTorch, then ours, `rounds` times; medians of each
      const torchRuns: Probe[] = [];
      const ourRuns: Probe[] = [];
      for (let r = 0; r < rounds; r++) {
        if (py) torchRuns.push(torchProbe(py, 'train32'));
        ourRuns.push(probe(b, 'train-parallel', 32, 2, { X3ECG_TAPE_SEGMENTS: '0' }));
      }
      if (py) {
        torch.train32 = medianProbe(torchRuns);
        add('pytorch-cpu(2thr)', 'training step, batch 32', torch.train32);
        ratio(`${engine} training step b32 (one thread)`, t32, torch.train32);
      }
      const p32 = medianProbe(ourRuns);
      add(engine, 'training step, batch 32, lead workers', p32);
      ratio(`${engine} lead-parallel training step b32`, p32, torch.train32);
      // stage 3 keeps its tape through the head (leadTail) instead of being recomputed: faster, more memory
      const t2 = probe(b, 'train-parallel', 32, 1, { X3ECG_TAPE_SEGMENTS: '2' });
      add(engine, 'same, stage 3 tape kept', t2);
      ratio(`${engine} lead-parallel training step b32, stage 3 tape kept`, t2, torch.train32);
    }
    add(engine, 'training step, batch 4 (whole tape)', probe(b, 'train-tape', 4, 1));
    const head = probe(b, 'head-epoch', 1000, 1);
    console.log(`${engine.padEnd(18)} ${'head-mode epoch, 1000 cached records'.padEnd(34)} ${head.error ? `failed: ${head.error}` : `${(head.msPerEpoch as number).toFixed(0)} ms/epoch`}`);
  }
  if (ratios.length) console.log(`\nratios (same run):\n  ${ratios.join('\n  ')}`);

  if (!quick) {
    const best = (await availableBackends())[0];
    const layers = probe(best, 'layers', 8, 1);
    if (layers.perLead) {
      console.log(`\nper-segment cost, one lead, tfjs-${best}, batch 8 (ms per ECG; × 3 leads for the net):`);
      console.log('  segment           inference   forward+backward');
      for (const r of layers.perLead as { segment: string; inferMs: number; trainMs: number }[]) console.log(`  ${r.segment.padEnd(16)} ${r.inferMs.toFixed(1).padStart(9)}   ${r.trainMs.toFixed(1).padStart(9)}`);
    }
    for (const [what, batch] of [['kernels-infer', 8], ['kernels-train', 4]] as const) {
      const k = probe(best, what, batch, 1);
      if (!k.kernels) continue;
      console.log(`\n${what === 'kernels-infer' ? 'inference' : 'training step (checkpointed)'} by kernel, tfjs-${best}, batch ${batch}:`);
      for (const r of k.kernels as { name: string; msPerEcg: number; share: number }[]) console.log(`  ${r.name.padEnd(30)} ${r.msPerEcg.toFixed(1).padStart(8)} ms/ECG  ${(100 * r.share).toFixed(1).padStart(5)} %`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
