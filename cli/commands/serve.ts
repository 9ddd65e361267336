import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { defaultArchivePath, projectRoot } from '../../app/paths.ts';
import { createServices } from '../../app/services.ts';
import { createDispatch } from '../../app/dispatch.ts';
import { startWebServer } from '../../server/webServer.ts';

/** serve: web mode — the app in the system browser over loopback, same API as the Electron shell. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the workstation in web mode (loopback HTTP + WebSocket, per-launch token)')
    .option('--archive <file>', 'archive file', defaultArchivePath())
    .option('--port <n>', 'port (0 = any free port)', (v) => Number.parseInt(v, 10), 0)
    .option('--no-open', 'do not open the system browser')
    .action(async (opts: { archive: string; port: number; open: boolean }) => {
      const staticDir = join(projectRoot, 'dist', 'renderer');
      if (!existsSync(join(staticDir, 'index.html'))) throw new Error('the renderer is not built: run `npm run build` first');
      let broadcast: (e: Parameters<typeof server.broadcast>[0]) => void = () => {};
      const services = await createServices({ archivePath: opts.archive, transport: 'web', emit: (e) => broadcast(e) });
      const server = await startWebServer({
        dispatch: createDispatch(services.handlers, (l) => process.stderr.write(`${l}\n`)),
        staticDir,
        port: opts.port,
      });
      broadcast = server.broadcast;
      process.stdout.write(`x3ecg web mode: ${server.launchUrl}\n`);
      if (opts.open && !process.env.CI) openBrowser(server.launchUrl);
      const stop = async () => {
        await server.close();
        await services.close();
        process.exit(0);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}

function openBrowser(url: string) {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => process.stderr.write(`no system browser found; open ${url} yourself\n`));
    child.unref();
  } catch {
    process.stderr.write(`no system browser found; open ${url} yourself\n`);
  }
}
