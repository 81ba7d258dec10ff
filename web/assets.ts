// The app's few static files, served from a fixed list (no path from a request ever reaches the
// file system): our stylesheet and scripts, and Chart.js from its npm package.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);
// chart.js exports no subpath for its browser bundle; it sits beside the package's main file.
const own = (name: string) => fileURLToPath(new URL(`./assets/${name}`, import.meta.url));

const ASSETS: Record<string, { path: string; type: string }> = {
  'app.css': { path: own('app.css'), type: 'text/css; charset=utf-8' },
  'charts.js': { path: own('charts.js'), type: 'text/javascript; charset=utf-8' },
  'chart.umd.min.js': {
    path: join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
};

export function registerAssets(app: FastifyInstance): void {
  const loaded = new Map(
    Object.entries(ASSETS).map(([name, a]) => [name, { body: readFileSync(a.path), type: a.type }]),
  );
  app.get<{ Params: { name: string } }>('/assets/:name', async (req, reply) => {
    const asset = loaded.get(req.params.name);
    if (!asset) return reply.code(404).type('text/plain').send('no such asset');
    return reply.type(asset.type).header('cache-control', 'public, max-age=3600').send(asset.body);
  });
}
