// `bbetl worker --concurrency`: a bad value is a usage error (exit 2) that says what to give,
// found before the command connects to anything (no Temporal needed).
import { describe, expect, it } from 'vitest';
import { bbetl } from './run';

describe('bbetl worker --concurrency', () => {
  it.each(['0', 'abc', '201'])('refuses %s with exit code 2 and the range it takes', async (value) => {
    const run = await bbetl(['worker', '--concurrency', value], process.env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `error: option '--concurrency <n>' argument '${value}' is invalid. expected a whole number from 1 to 200`,
    );
  });

  it('takes a good value, then checks the configuration as every command does', async () => {
    const run = await bbetl(['worker', '--concurrency', '4'], { ...process.env, WORKER_CONCURRENCY: '0' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('WORKER_CONCURRENCY="0" is invalid; expected a whole number of activities');
  });
});
