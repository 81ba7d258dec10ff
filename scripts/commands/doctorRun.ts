// `bbetl doctor`: says how the CLI runs (bundled or through tsx), checks the configuration,
// Temporal, the warehouse, the OAuth consumer and every connection, and prints one line per check
// with what to do about each problem. It only reads: no migration, no dev server, no token stored.
//
// Exit code: 0 when no check failed (warnings allowed), 1 when one did. An invalid configuration
// is a failed check like any other (every problem listed), not a usage error: finding what is
// wrong is what the doctor is for.
import { type Config, ConfigError, loadConfig } from '../../temporal.config';
import { type CheckResult, type CheckStatus, errorText, fail, ok } from './doctor/check';
import { checkCli } from './doctor/cli';
import { checkOAuthClient } from './doctor/oauth';
import { checkTemporal } from './doctor/temporal';
import { checkWarehouse } from './doctor/warehouse';

function checkConfig(): { result: CheckResult; config?: Config } {
  try {
    const config = loadConfig();
    const { address, namespace, taskQueue } = config.temporal;
    return {
      config,
      result: ok(
        'config',
        `valid: warehouse ${config.warehouse.engine}, Temporal ${address ?? 'embedded dev server'} ` +
          `(namespace ${namespace}, task queue ${taskQueue}), sync every ${config.sync.intervalMinutes} min`,
      ),
    };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return {
      result: fail(
        'config',
        [`${err.problems.length} problem(s):`, ...err.problems.map((p) => `- ${p}`)].join('\n'),
        'correct these variables (`bbetl config env` describes each); the other checks need a valid configuration',
      ),
    };
  }
}

/** A check that throws is a bug; it is reported as a failure, and the other checks still run. */
function settle(name: string, checks: Promise<CheckResult[]>): Promise<CheckResult[]> {
  return checks.catch((err) => [
    fail(name, `the check itself failed: ${errorText(err)}`, 'report this as a bbetl bug, with this output'),
  ]);
}

const LABELS: Record<CheckStatus, string> = { ok: 'ok', warn: 'WARN', fail: 'FAIL' };

function report(results: CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  const indent = ' '.repeat(4 + 2 + width + 2);
  const lines = results.flatMap((r) => [
    `${LABELS[r.status].padEnd(4)}  ${r.name.padEnd(width)}  ${r.detail.split('\n').join(`\n${indent}`)}`,
    ...(r.fix ? [`      → fix: ${r.fix}`] : []),
  ]);
  const count = (status: CheckStatus) => results.filter((r) => r.status === status).length;
  const warnings = count('warn');
  lines.push(
    '',
    `${count('ok')} ok, ${warnings} warning${warnings === 1 ? '' : 's'}, ${count('fail')} failed`,
  );
  return lines.join('\n');
}

export async function doctor(flags: { json?: boolean }): Promise<never> {
  const { result, config } = checkConfig();
  const groups = [Promise.resolve([checkCli(), result])];
  if (config) {
    const now = new Date();
    // Independent of each other, so at once: a dead warehouse does not keep the OAuth check waiting.
    groups.push(
      settle('temporal', checkTemporal(config)),
      settle('warehouse', checkWarehouse(config, now)),
      settle(
        'oauth client',
        checkOAuthClient(config).then((r) => [r]),
      ),
    );
  }
  const results = (await Promise.all(groups)).flat();
  const failed = results.some((r) => r.status === 'fail');
  console.log(flags.json ? JSON.stringify({ ok: !failed, checks: results }, null, 2) : report(results));
  // Exit now: a check that timed out may leave a connection attempt pending for minutes.
  process.exit(failed ? 1 : 0);
}
