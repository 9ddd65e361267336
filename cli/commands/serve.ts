import type { Command } from 'commander';

/** serve: web mode. */
export function registerServeCommand(_program: Command): void {}
