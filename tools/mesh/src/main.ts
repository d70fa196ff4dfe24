// `mesh <verb>`: `up` runs the mesh in the foreground (`dev` too, rebuilding on change); status, events, scale, kill and feed rebuild operate on it.
import { type Command, parseArgs, Usage, UsageError } from './cli-args.js';
import { findRepoRoot } from '#service';
import { runLauncher } from './launcher.js';
import { loadLauncherConfig, loadOperatorConfig, MeshConfigError } from './mesh.config.js';
import { killCommand, scaleCommand, statusCommand } from './operator-commands.js';
import { natsAuthCommand } from './nats-auth-command.js';
import { eventsCommand } from './events-command.js';
import { meshStateDir } from './control-token.js';
import { provisionCommand } from './provision-command.js';
import { dbAuthCommand, dbRolesCommand } from './db-auth-command.js';
import { feedRebuildCommand } from './feed-command.js';

async function run(cmd: Command): Promise<number> {
  switch (cmd.verb) {
    case 'help':
      process.stdout.write(Usage + '\n');
      return 0;
    case 'up':
    case 'dev':
      return runLauncher(loadLauncherConfig(process.env, cmd.replicas), findRepoRoot(), { dev: cmd.verb === 'dev' });
    case 'status':
      return statusCommand(loadOperatorConfig(), meshStateDir(findRepoRoot()), cmd.json);
    case 'events':
      return eventsCommand(loadOperatorConfig(), cmd.json);
    case 'scale':
      return scaleCommand(loadOperatorConfig(), meshStateDir(findRepoRoot()), cmd.targets);
    case 'kill':
      return killCommand(loadOperatorConfig(), meshStateDir(findRepoRoot()), cmd.app, cmd.signal, cmd.pid);
    case 'nats-auth':
      return natsAuthCommand(cmd);
    case 'provision':
      return provisionCommand();
    case 'db-auth':
      return dbAuthCommand(cmd);
    case 'db-roles':
      return dbRolesCommand();
    case 'feed-rebuild':
      return feedRebuildCommand(loadOperatorConfig(), cmd);
  }
}

let code: number;
try {
  code = await run(parseArgs(process.argv.slice(2)));
} catch (err) {
  if (err instanceof UsageError) {
    process.stderr.write(`mesh: ${err.message}\n${Usage}\n`);
    code = 2;
  } else if (err instanceof MeshConfigError) {
    process.stderr.write(`mesh: invalid configuration: ${err.message}\n`);
    code = 2;
  } else {
    process.stderr.write(`mesh: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    code = 1;
  }
}
process.exit(code);
