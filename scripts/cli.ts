// The `bbetl` command line. Each command lives in scripts/commands/ and registers itself here.
import { setFlagsFromString } from 'node:v8';
import { Command, CommanderError } from 'commander';
import { BitbucketError } from '../bitbucket/errors';
import { ConfigError } from '../temporal.config';
import { registerBackfillCommand } from './commands/backfill';
import { registerConfigCommand } from './commands/config';
import { registerConnectCommand } from './commands/connect';
import { registerDemoCommand } from './commands/demo';
import { registerDoctorCommand } from './commands/doctor';
import { registerIdentitiesCommand } from './commands/identities';
import { registerReportCommand } from './commands/report';
import { registerRunsCommand } from './commands/runs';
import { registerSandboxCommand } from './commands/sandbox';
import { registerScheduleCommand } from './commands/schedule';
import { registerStreamsCommand } from './commands/streams';
import { registerSyncCommand } from './commands/sync';
import { registerTransformCommand } from './commands/transform';
import { registerUserCommand } from './commands/user';
import { registerWebCommand } from './commands/web';
import { registerWorkerCommand } from './commands/worker';
import { registerWorkspaceCommand } from './commands/workspace';

/**
 * Failures whose message says all a user needs, printed without a stack trace. Known by name, so
 * this file need not load the modules that throw them (the Temporal SDK among them).
 */
const EXPLAINED = new Set([
  'UsageError',
  'PgliteLockedError',
  'DevServerError',
  'TemporalUnreachableError',
  'TemporalCliError',
  'MetricsPortError',
]);

const program = new Command()
  .name('bbetl')
  .description('Bitbucket Cloud activity to feature-utilization facts in your own warehouse')
  .showHelpAfterError('(run with --help for usage)')
  .option('--verbose', "debug logs, the Temporal SDK's included (same as LOG_LEVEL=debug)")
  .exitOverride();

/**
 * The commands that run a few small queries and exit. On the embedded warehouse most of their CPU
 * went to V8 optimizing PGlite's WebAssembly in the background (its functions get hot while
 * Postgres starts), work a short command never earns back: V8's baseline compiler alone (Liftoff)
 * nearly halves it (`bbetl runs`: 1.4 to 0.8 CPU seconds, 0.95 to 0.65 s). The long-running commands
 * (worker, web, start, transform, demo, sandbox) keep the optimizing tier, which their queries repay.
 */
const BRIEF_COMMANDS = new Set([
  'config',
  'connect',
  'sync',
  'backfill',
  'schedule',
  'streams',
  'runs',
  'identities',
  'workspace',
  'report',
  'user',
  'doctor',
]);

/** The top-level command `command` belongs to (`workspace` for `workspace price set`). */
function topLevelName(command: Command): string {
  let top = command;
  while (top.parent && top.parent !== program) top = top.parent;
  return top.name();
}

// Before any command reads the configuration, so every command honours it the same way.
program.hook('preAction', (_program, command) => {
  if (program.opts().verbose) process.env.LOG_LEVEL = 'debug';
  // (Before any WebAssembly is compiled: the flag applies to modules compiled after it.)
  if (BRIEF_COMMANDS.has(topLevelName(command))) setFlagsFromString('--liftoff-only');
});

registerConfigCommand(program);
registerSandboxCommand(program);
registerConnectCommand(program);
registerWorkerCommand(program);
registerSyncCommand(program);
registerBackfillCommand(program);
registerScheduleCommand(program);
registerStreamsCommand(program);
registerRunsCommand(program);
registerTransformCommand(program);
registerIdentitiesCommand(program);
registerWorkspaceCommand(program);
registerReportCommand(program);
registerUserCommand(program);
registerWebCommand(program);
registerDemoCommand(program);
registerDoctorCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  if (err instanceof BitbucketError || (err instanceof Error && EXPLAINED.has(err.name))) {
    console.error(`error: ${err.message}`);
    process.exit(err.name === 'UsageError' ? 2 : 1);
  }
  throw err;
}
