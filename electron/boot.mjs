// Electron's entry: run the TypeScript main through tsx, exactly as web mode and the CLI do, so the
// services' worker threads (.ts) load the same way in every shell.
import { register } from 'tsx/esm/api';
register();
await import('./main.ts');
