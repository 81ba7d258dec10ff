// The dashboard (every page of DASHBOARD_PAGES, and their CSV exports) and the metric glossary,
// for any signed-in user. Pages read the marts only; until the marts hold data they say why
// (Bitbucket not connected yet, or the first sync still running) instead of failing.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireUser } from '../auth/sessions';
import { anyConnectionConnected } from '../connections/registry';
import type { WebContext } from '../context';
import { toCsv } from '../dashboard/csv';
import { type Filters, filterQuery, readFilters } from '../dashboard/filters';
import { glossaryEntries } from '../dashboard/glossary';
import { MartReader, MissingMartError } from '../dashboard/marts';
import { DASHBOARD_PAGES, type DashboardPage, MOVED_PAGES } from '../dashboard/pages';
import { loadScope } from '../dashboard/scope';
import { HttpError } from '../errors';
import { renderPage } from '../render';

/** The sub-navigation; links keep the workspace, range and the filters the target page offers. */
function navigation(filters?: Filters) {
  return DASHBOARD_PAGES.map((p) => ({
    path: p.path,
    label: p.nav,
    href: filters ? `${p.path}?${filterQuery(filters, p.filters)}` : p.path,
  }));
}

/** The empty state: why there is nothing to show, and what to do about it. */
async function renderEmpty(
  ctx: WebContext,
  req: FastifyRequest,
  reply: FastifyReply,
  page: DashboardPage,
  dataExists: boolean,
) {
  const connected = await anyConnectionConnected(ctx);
  return renderPage(req, reply, 'dashboard/empty.njk', {
    page,
    nav: navigation(),
    reason: dataExists ? 'not_built' : connected ? 'first_sync' : 'not_connected',
  });
}

async function showPage(ctx: WebContext, page: DashboardPage, req: FastifyRequest, reply: FastifyReply) {
  const reader = new MartReader(ctx.deps.services.db);
  let dataExists = false;
  try {
    const scope = await loadScope(reader);
    if (!scope) return await renderEmpty(ctx, req, reply, page, false);
    dataExists = true;
    const filters = await readFilters(req.query, scope, reader, page.filters);
    const model = await page.load(reader, filters);
    return renderPage(req, reply, 'dashboard/page.njk', {
      page,
      nav: navigation(filters),
      filters,
      model,
      csvHref: page.csv && `${page.csv.path}?${filterQuery(filters, page.filters)}`,
    });
  } catch (err) {
    if (err instanceof MissingMartError) return renderEmpty(ctx, req, reply, page, dataExists);
    throw err;
  }
}

async function exportCsv(
  ctx: WebContext,
  page: DashboardPage,
  csv: NonNullable<DashboardPage['csv']>,
  req: FastifyRequest,
  reply: FastifyReply,
) {
  const missing = () =>
    new HttpError(404, 'No data yet: there is nothing to export until the first sync has built the marts.');
  try {
    const reader = new MartReader(ctx.deps.services.db);
    const scope = await loadScope(reader);
    if (!scope) throw missing();
    const filters = await readFilters(req.query, scope, reader, page.filters);
    const table = await csv.table(reader, filters);
    const name = [table.id, filters.workspace.key, filters.team?.slug, filters.lastDay]
      .filter(Boolean)
      .join('-');
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name.replace(/[^\w.-]/g, '_')}.csv"`)
      .send(toCsv(table));
  } catch (err) {
    throw err instanceof MissingMartError ? missing() : err;
  }
}

export function registerDashboardRoutes(app: FastifyInstance, ctx: WebContext): void {
  for (const page of DASHBOARD_PAGES) {
    app.get(page.path, { preHandler: requireUser }, (req, reply) => showPage(ctx, page, req, reply));
    const csv = page.csv;
    if (csv)
      app.get(csv.path, { preHandler: requireUser }, (req, reply) => exportCsv(ctx, page, csv, req, reply));
  }
  for (const [from, to] of Object.entries(MOVED_PAGES))
    app.get(from, (req, reply) => {
      // the query carries over: workspace and team mean the same on the new page
      const query = req.url.indexOf('?');
      return reply.redirect(query < 0 ? to : `${to}${req.url.slice(query)}`, 301);
    });
  app.get('/glossary', { preHandler: requireUser }, async (req, reply) =>
    renderPage(req, reply, 'glossary.njk', { marts: glossaryEntries() }),
  );
}
