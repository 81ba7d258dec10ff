// The `bbetl` command line. Each command lives in scripts/commands/ and registers itself here.
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../temporal.config';
import { registerConfigCommand } from './commands/config';
import { registerSandboxCommand } from './commands/sandbox';

const program = new Command()
  .name('bbetl')
  .description('Bitbucket Cloud activity to feature-utilization facts in your own warehouse')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerConfigCommand(program);
registerSandboxCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}
