import type { Command } from 'commander';

/** model-info, predict, explain, train, prune, evaluate — owned by the engine (models/) work. */
export function registerModelCommands(_program: Command): void {}
