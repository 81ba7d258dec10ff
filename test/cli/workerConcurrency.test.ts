// `bbetl worker --concurrency` and `--metrics-port`: a bad value is a usage error (exit 2) that
// says what to give, found before the command connects to anything (no Temporal needed).
import { describe, expect, it } from 'vitest';
import { bbetl } from './run';

describe('bbetl worker --concurrency and --metrics-port', () => {
  it.each([
    ['--concurrency', '<n>', '0', 200],
    ['--concurrency', '<n>', 'abc', 200],
    ['--concurrency', '<n>', '201', 200],
    ['--metrics-port', '<port>', 'abc', 65535],
    ['--metrics-port', '<port>', '0', 65535],
    ['--metrics-port', '<port>', '65536', 65535],
  ])('%s refuses %s %s with exit code 2 and the range it takes', async (flag, arg, value, max) => {
    const run = await bbetl(['worker', flag, value], process.env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `error: option '${flag} ${arg}' argument '${value}' is invalid. expected a whole number from 1 to ${max}`,
    );
  });

  it('takes a good value, then checks the configuration as every command does', async () => {
    const run = await bbetl(['worker', '--concurrency', '4'], { ...process.env, WORKER_CONCURRENCY: '0' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('WORKER_CONCURRENCY="0" is invalid; expected a whole number of activities');
  });
});
