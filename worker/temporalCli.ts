// Finds the Temporal CLI that runs the embedded dev server. Order: TEMPORAL_CLI_PATH, the copy
// `npm ci` installed into .tools/, `temporal` on PATH. None found → the SDK downloads one
// (works only with internet), which is what `cached-download` asks for.
import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export class TemporalCliError extends Error {
  override name = 'TemporalCliError';
}

export function findTemporalCli(configured = process.env.TEMPORAL_CLI_PATH): string | undefined {
  if (configured) {
    if (!isExecutable(configured)) {
      throw new TemporalCliError(`TEMPORAL_CLI_PATH=${configured} is not an executable file`);
    }
    return configured;
  }
  const candidates = [
    join(projectRoot, '.tools', 'temporal', 'bin', 'temporal'),
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'temporal')),
  ];
  return candidates.find(isExecutable);
}

/** The `executable` option of the SDK's dev-server launcher for this machine. */
export function devServerExecutable(configured?: string) {
  const path = findTemporalCli(configured);
  return path ? ({ type: 'existing-path', path } as const) : ({ type: 'cached-download' } as const);
}
