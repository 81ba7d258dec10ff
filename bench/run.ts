// `npm run bench -- [--scale tiny|small|medium|large] [--repos N] [--only sandbox,extract,pipeline-pglite,pipeline-postgres,transforms-pglite,transforms-postgres]`:
// prints a Markdown table
// and writes bench/results/<date>-<scale>.json. Numbers, not pass/fail.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { benchExtract } from './extract';
import { benchPipeline } from './pipeline';
import { benchSandbox } from './sandbox';
import { benchTransforms } from './transforms';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: 'small' },
    repos: { type: 'string', default: '1000' },
    only: { type: 'string' },
  },
  strict: true,
});
const only = values.only?.split(',');
const want = (name: string) => !only || only.includes(name);
const scale = values.scale as string;
if (!['tiny', 'small', 'medium', 'large'].includes(scale)) {
  console.error(`--scale must be one of tiny, small, medium, large (got ${scale})`);
  process.exit(2);
}
const repos = Number(values.repos);
if (!Number.isInteger(repos) || repos < 1) {
  console.error(`--repos must be a whole number of at least 1 (got ${values.repos})`);
  process.exit(2);
}

function table(title: string, result: object): string {
  const rows = Object.entries(result).map(([k, v]) => `| ${k} | ${v} |`);
  return [`## ${title}`, '', '| measure | value |', '|---|---|', ...rows, ''].join('\n');
}

const results: Record<string, unknown> = {};
if (want('sandbox')) {
  results.sandbox = await benchSandbox(scale, repos);
  console.log(table('Sandbox (emulator throughput and memory)', results.sandbox as object));
}
if (want('extract')) {
  results.extract = await benchExtract(scale as 'tiny' | 'small' | 'medium' | 'large');
  console.log(table('Extraction API efficiency (stream iterators, in memory)', results.extract as object));
}
for (const engine of ['pglite', 'postgres'] as const) {
  if (!want(`pipeline-${engine}`)) continue;
  if (engine === 'postgres' && !process.env.DATABASE_URL) {
    console.log(
      '## Pipeline on postgres\n\nnot run: set DATABASE_URL (scripts/provision.sh writes it to .tools/services.env)\n',
    );
    continue;
  }
  results[`pipeline-${engine}`] = await benchPipeline(scale as 'tiny' | 'small' | 'medium' | 'large', engine);
  console.log(
    table(`Extract + load through Temporal into ${engine}`, results[`pipeline-${engine}`] as object),
  );
}
for (const engine of ['pglite', 'postgres'] as const) {
  if (!want(`transforms-${engine}`)) continue;
  if (engine === 'postgres' && !process.env.DATABASE_URL) {
    console.log('## Transforms on postgres\n\nnot run: set DATABASE_URL\n');
    continue;
  }
  results[`transforms-${engine}`] = await benchTransforms(
    scale as 'tiny' | 'small' | 'medium' | 'large',
    engine,
  );
  console.log(
    table(
      `Transforms on ${engine}: full refresh, then incremental`,
      results[`transforms-${engine}`] as object,
    ),
  );
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const file = new URL(`./results/${new Date().toISOString().slice(0, 10)}-${scale}.json`, import.meta.url);
// Several runs on one day (e.g. --only one part) add to the day's file rather than replace it.
const earlier = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
writeFileSync(
  file,
  `${JSON.stringify({ ...earlier, date: new Date().toISOString(), scale, ...results }, null, 2)}\n`,
);
console.log(`\nwritten: ${file.pathname}`);
