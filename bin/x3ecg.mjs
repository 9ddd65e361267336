#!/usr/bin/env node
// The x3ecg CLI. TypeScript sources run through tsx so the CLI, the web server and the workers
// share one code path with no separate compile step.
import { register } from 'tsx/esm/api';
register();
await import('../cli/x3ecg.ts');
