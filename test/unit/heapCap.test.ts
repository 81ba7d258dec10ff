// One heap cap for the product's processes: the `bbetl` executable starts Node with it (see
// scripts/bbetl.mjs for why, and why through sh rather than `env -S`), the npm scripts run that
// executable, and the benchmarks, whose worker runs in the bench process, run under the same cap
// so that their RSS figures are the product's. (test/cli/cli.test.ts checks the heap a started
// worker reports.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const [shebang, launcher] = readFileSync(new URL('scripts/bbetl.mjs', root), 'utf8').split('\n');
const scripts = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).scripts as Record<
  string,
  string
>;

describe('the heap cap', () => {
  const cap = /--max-old-space-size=(\d+)/.exec(launcher ?? '')?.[1];

  it('is set by the executable’s sh line, which any POSIX sh runs (BusyBox’s env has no -S)', () => {
    expect(shebang).toBe('#!/bin/sh');
    expect(launcher).toMatch(/^":" \/\/; exec node --max-old-space-size=\d+ "\$0" "\$@"$/);
    expect(Number(cap)).toBeGreaterThanOrEqual(512);
  });

  it('applies to npm start and npm run demo (the executable) and to the benchmarks (the same option)', () => {
    expect(scripts.start).toMatch(/^scripts\/bbetl\.mjs /);
    expect(scripts.demo).toMatch(/^scripts\/bbetl\.mjs /);
    expect(scripts.bench).toContain(`--max-old-space-size=${cap} `);
  });
});
