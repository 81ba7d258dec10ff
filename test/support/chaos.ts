// Settings of the reliability suite (test/chaos): tiny scale with 1 kill under `npm test` (every
// behaviour, kept inside its 8 minutes: that kill lands in the models' build, and
// test/pipeline/crash.test.ts kills one mid-extraction), small scale with 10 kills under
// `npm run test:chaos` (CHAOS_SCALE=small CHAOS_KILLS=10). Random moments come from one seed,
// printed, so a failing run can be replayed with CHAOS_SEED=<seed>.
import { Rng } from '../../sandbox/data/random';
import { SCALES, type Scale } from '../../sandbox/data/scales';
import type { EngineName } from '../../warehouse/engine';

function setting<T>(name: string, fallback: string, parse: (text: string) => T | undefined): T {
  const text = process.env[name] || fallback;
  const value = parse(text);
  if (value === undefined) throw new Error(`${name}=${JSON.stringify(text)} is not a valid chaos setting`);
  return value;
}

const whole = (text: string) => (/^\d+$/.test(text) ? Number(text) : undefined);
const count = (text: string) => (/^[1-9]\d*$/.test(text) ? Number(text) : undefined);

export const CHAOS_SCALE = setting('CHAOS_SCALE', 'tiny', (text) =>
  SCALES.includes(text as Scale) ? (text as Scale) : undefined,
);
/** Worker kills in one backfill (the last one while the models build). */
export const CHAOS_KILLS = setting('CHAOS_KILLS', '1', count);
/**
 * The engines the odd payloads travel to through the whole pipeline. BigQuery's run takes ~75 s on
 * the emulator, so only `npm run test:chaos` adds it; under `npm test`
 * test/warehouse/rawLoader.test.ts stores the same odd text on BigQuery.
 */
export const CHAOS_ODD_ENGINES = setting('CHAOS_ODD_ENGINES', 'pglite,postgres', (text) => {
  const names = text.split(',');
  return names.every((n) => ['pglite', 'postgres', 'bigquery'].includes(n))
    ? (names as EngineName[])
    : undefined;
});
const CHAOS_SEED = setting('CHAOS_SEED', String(Math.floor(Math.random() * 2 ** 31)), whole);

/** A seeded random stream for one test (say which in `name`), its seed printed once. */
export function chaosRandom(name: string): Rng {
  console.info(
    `[chaos] ${name}: seed ${CHAOS_SEED}, scale ${CHAOS_SCALE} (replay: CHAOS_SEED=${CHAOS_SEED})`,
  );
  return new Rng(CHAOS_SEED, [name]);
}

/**
 * Where a service restart lands, for a run of `records` records: once a random 10–70 % of them
 * has landed; and how long the service stays down (1–5 s).
 */
export function restartPlan(name: string, records: number): { stopAt: number; downMs: number } {
  const rng = chaosRandom(name);
  return { stopAt: Math.round(records * (0.1 + 0.6 * rng.float())), downMs: rng.int(1000, 5000) };
}
