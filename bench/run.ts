// `npm run bench -- [--scale tiny|small|medium|large] [--repos N]`: prints a Markdown table
// and writes bench/results/<date>-<scale>.json. Numbers, not pass/fail.
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { benchSandbox } from './sandbox';

const { values } = parseArgs({
  options: { scale: { type: 'string', default: 'small' }, repos: { type: 'string', default: '1000' } },
  strict: true,
});
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

const sandbox = await benchSandbox(scale, repos);
const rows = Object.entries(sandbox).map(([k, v]) => `| ${k} | ${v} |`);
console.log(['## Sandbox', '', '| measure | value |', '|---|---|', ...rows].join('\n'));
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const file = new URL(`./results/${new Date().toISOString().slice(0, 10)}-${scale}.json`, import.meta.url);
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), scale, sandbox }, null, 2)}\n`);
console.log(`\nwritten: ${file.pathname}`);
