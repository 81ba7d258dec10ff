// Suites that need a service call `needService`: absent → a loud SKIPPED line, or a failure
// when REQUIRE_SERVICES=1 (as in CI), so a missing service can never pass silently there.
export const requireServices = process.env.REQUIRE_SERVICES === '1';

export function needService(name: string, available: boolean, howToFix: string): boolean {
  if (available) return true;
  const line = `SKIPPED (no ${name}: ${howToFix})`;
  if (requireServices) throw new Error(`${line}; REQUIRE_SERVICES=1 makes a missing service a failure`);
  console.warn(`\n**************** ${line} ****************\n`);
  return false;
}
