import type { Command } from 'commander';
import { ENV_DOCS, loadConfig } from '../../temporal.config';

/** A URL with its password replaced (DATABASE_URL: postgres://user:password@host/db); other text as it is. */
function withoutPassword(text: string): string {
  if (!URL.canParse(text)) return text;
  const url = new URL(text);
  if (!url.password) return text;
  url.password = 'redacted';
  return url.toString();
}

/** Prints a config with every secret replaced, safe to paste into an issue. */
export function redactedConfig(config: ReturnType<typeof loadConfig>): unknown {
  return JSON.parse(
    JSON.stringify(config, (key, value) => {
      if (['clientSecret', 'secretKey', 'apiKey', 'bearerToken'].includes(key) && value) return '[redacted]';
      return typeof value === 'string' ? withoutPassword(value) : value;
    }),
  );
}

export function envDocsTable(): string {
  const rows = Object.entries(ENV_DOCS).map(
    ([name, [def, meaning]]) => `| \`${name}\` | ${def} | ${meaning} |`,
  );
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

export function registerConfigCommand(program: Command): void {
  const config = program
    .command('config')
    .description('validate the configuration and print it (secrets redacted)');
  config.action(() => {
    console.log(JSON.stringify(redactedConfig(loadConfig()), null, 2));
  });
  config
    .command('env')
    .description('print the table of environment variables (Markdown)')
    .action(() => console.log(envDocsTable()));
}
