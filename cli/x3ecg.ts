import { Command } from 'commander';
import { registerArchiveCommands } from './commands/archive.ts';
import { registerModelCommands } from './commands/models.ts';
import { registerServeCommand } from './commands/serve.ts';

const program = new Command();
program
  .name('x3ecg')
  .description('x3ecg-workstation: ECG archive, LightX3ECG predictions and local fine-tuning, headless')
  .showHelpAfterError();

registerArchiveCommands(program);
registerModelCommands(program);
registerServeCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`x3ecg: ${message}\n`);
  process.exitCode = process.exitCode || 1;
});
