// The command line's bundle (scripts/cliBundle.mjs): it runs as the TypeScript does, and the
// executable trusts it only while every source file it was built from is unchanged.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildCliBundle,
  CLI_BUNDLE_DIR,
  cliBundleStatus,
  ensureCliBundle,
} from '../../scripts/cliBundle.mjs';
import { newDataDir } from '../support/dataDirs';

const run = promisify(execFile);

describe('the bundled command line', () => {
  let dir: string;
  let build: string;
  beforeAll(async () => {
    // Inside the project, as the bundle's own folder is: Node finds its packages in node_modules.
    dir = mkdtempSync(join(CLI_BUNDLE_DIR, '..', 'test-'));
    build = (await buildCliBundle(dir)).dir;
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const manifestPath = () => join(build, 'sources.json');

  it('is fresh when built, and runs commands, usage errors and paths as the TypeScript does', async () => {
    const status = cliBundleStatus(dir);
    expect(status).toEqual({ fresh: true, entry: expect.stringContaining(build) });
    if (!status.fresh) return;
    // A fresh bundle is kept (npm ci and provisioning both ask for one).
    expect(await ensureCliBundle(dir)).toEqual({ built: false, entry: status.entry });
    const env = { ...process.env, BBETL_DATA_DIR: newDataDir() };
    const entry = fileURLToPath(status.entry);
    const described = await run('node', [entry, 'config', 'env'], { env });
    expect(described.stdout).toContain('`WAREHOUSE`');
    // A UsageError is recognised by its class name (kept in the bundle): exit 2, no stack trace.
    const refused = await run('node', [entry, 'streams', 'off', 'no_such_stream'], { env }).catch((e) => e);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: unknown stream "no_such_stream"/);
    // import.meta.url is each source's own: the SQL project is found where it lives.
    const compiled = await run('node', [entry, 'transform', 'compile', 'fct_feature_usage_daily'], { env });
    expect(compiled.stdout).toMatch(/from .*int_user_events/);
  }, 60_000);

  it('is stale once a source it holds changes or goes, naming it, and when missing', () => {
    const original = readFileSync(manifestPath(), 'utf8');
    const manifest = JSON.parse(original) as { sources: Record<string, [number, number]> };
    expect(Object.keys(manifest.sources)).toEqual(
      expect.arrayContaining([
        join(CLI_BUNDLE_DIR, '..', '..', 'scripts', 'cli.ts'),
        join(CLI_BUNDLE_DIR, '..', '..', 'tsconfig.json'),
      ]),
    );
    const [source, [size, mtime]] = Object.entries(manifest.sources)[0] as [string, [number, number]];
    try {
      writeFileSync(
        manifestPath(),
        JSON.stringify({ sources: { ...manifest.sources, [source]: [size + 1, mtime] } }),
      );
      expect(cliBundleStatus(dir)).toEqual({ fresh: false, reason: `${source} changed` });
      writeFileSync(
        manifestPath(),
        JSON.stringify({ sources: { ...manifest.sources, [source]: [size, mtime - 1] } }),
      );
      expect(cliBundleStatus(dir)).toEqual({ fresh: false, reason: `${source} changed` });
      const gone = join(dir, 'no-such-source.ts');
      writeFileSync(manifestPath(), JSON.stringify({ sources: { ...manifest.sources, [gone]: [1, 1] } }));
      expect(cliBundleStatus(dir)).toEqual({ fresh: false, reason: `${gone} is gone` });
    } finally {
      writeFileSync(manifestPath(), original);
    }
    expect(cliBundleStatus(dir).fresh).toBe(true);
    expect(cliBundleStatus(join(dir, 'nowhere')).fresh).toBe(false);
  });

  it('is what the CLI tests run: the test run builds it when the sources changed', () => {
    expect(cliBundleStatus(CLI_BUNDLE_DIR)).toMatchObject({ fresh: true });
  });
});
