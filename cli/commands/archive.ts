import type { Command } from 'commander';

/** import, export, stats, backup, restore — owned by the archive (db/) work. */
export function registerArchiveCommands(_program: Command): void {}
