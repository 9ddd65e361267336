/** Which engines this install has, as reported by app.info (the jobs report the one they used). */
function resolvable(pkg: string): boolean {
  try {
    import.meta.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

export function engineLabels(): { inference: string; training: string } {
  const tfNode = resolvable('@tensorflow/tfjs-node');
  const wasm = resolvable('@tensorflow/tfjs-backend-wasm');
  const tfjs = tfNode ? 'tfjs-node' : wasm ? 'tfjs-wasm' : 'tfjs-cpu';
  const forced = process.env.X3ECG_ENGINE;
  const inference = forced === 'tfjs' || !resolvable('onnxruntime-node') ? tfjs : 'onnxruntime-node';
  return { inference, training: tfjs };
}
