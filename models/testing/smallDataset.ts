/** A small, stratified, deterministic selection of real labelled records from ../shared/data for tests. */
import { readSharedRecord, sharedLabels } from '../data/sharedDataset.ts';
import type { TrainExample } from '../training/trainer.ts';
import { sharedDir } from './parityFixture.ts';

export const dataDir = `${sharedDir}/data`;

/** `perClass` records of each class (fewer when the class is rarer), 500 Hz sources first, split train/val. */
export function smallChapmanSplit(perClass: number, valPerClass: number): { train: TrainExample[]; val: TrainExample[] } {
  const rows = sharedLabels(dataDir, 'chapman4').filter((r) => !r.source.endsWith('records100'));
  const train: TrainExample[] = [];
  const val: TrainExample[] = [];
  for (let c = 0; c < 4; c++) {
    const of = rows.filter((r) => r.classes[0] === c).slice(0, perClass + valPerClass);
    of.forEach((r, i) => {
      const ex = { key: r.name, load: () => readSharedRecord(dataDir, r.name), target: r.classes };
      (i < of.length - valPerClass ? train : val).push(ex);
    });
  }
  return { train, val };
}
