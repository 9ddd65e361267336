import type { PackageConfigInput } from '../package/modelPackage.ts';
import { defaultPreprocessing, taskFor } from '../package/modelConfig.ts';

/** A chapman4 package config for tests. */
export function configFor(version: string, origin = 'import'): PackageConfigInput {
  return {
    version,
    architecture: { name: 'LightX3ECG', numClasses: 4 },
    task: taskFor('chapman4'),
    preprocessing: defaultPreprocessing('first'),
    provenance: { parent: null, dataset: 'parity-fixture', splitIds: null, hyperParameters: {}, seed: 40401, engine: 'tfjs', backend: 'tfjs-wasm', created: new Date(0).toISOString(), origin },
    metrics: {},
  };
}
