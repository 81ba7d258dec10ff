import { ConfigError, loadConfig } from '../../temporal.config';

/** The problems loadConfig reports for `env`; fails the test when it reports none. */
export function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
