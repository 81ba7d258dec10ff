import { type Command, Option } from 'commander';

export interface DemoFlags {
  headless?: boolean;
  exit?: boolean;
  scale: 'tiny' | 'small' | 'medium';
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'the whole product on this machine: Bitbucket sandbox, embedded Temporal, worker, web app and PGlite in $BBETL_DATA_DIR; connects, syncs, prints a summary, serves until Ctrl-C',
    )
    .option(
      '--headless',
      "connect with the OAuth consumer's own grant (client credentials) instead of the consent flow",
    )
    .option('--exit', 'stop after the summary instead of serving the dashboard')
    .addOption(
      new Option('--scale <scale>', 'amount of sandbox data')
        .choices(['tiny', 'small', 'medium'])
        .default('small'),
    )
    .action(async (flags: DemoFlags) => (await import('./demoRun')).runDemo(flags));
}
