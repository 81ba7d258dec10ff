// Contract-test support: checks requests to and responses from the sandbox (our Bitbucket Cloud emulator)
// against Atlassian's OpenAPI 3.0 definition of REST API 2.0. Caveats: shared/bitbucket/API-NOTES.md §4-6.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv, {
  type ErrorObject,
  type KeywordDefinition,
  type SchemaValidateFunction,
  type ValidateFunction,
} from 'ajv';
import addFormats from 'ajv-formats';

type Schema = { [key: string]: unknown };
interface Parameter {
  name: string;
  in: string;
}
interface Response {
  content?: Record<string, { schema?: Schema }>;
}
export interface Operation {
  parameters?: Parameter[];
  responses?: Record<string, Response>;
  [key: string]: unknown;
}
interface Spec {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, Schema> };
}
interface Route {
  template: string;
  item: Record<string, unknown>;
  segments: RegExp[];
  /** Per segment: 2 literal, 1 literal with a parameter inside, 0 a bare parameter. */
  ranks: number[];
  /**
   * A trailing `{path}` is a file path, so it spans several segments (src, filehistory, downloads…); so does the
   * `{spec}` of diff and diffstat (specRelaxations 11).
   */
  greedyTail: boolean;
}

/** `$id` under which components.schemas is registered with ajv, so `#/components/schemas/X` refs resolve. */
const SPEC_ID = 'bitbucket-openapi';
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function openApiPath(): string {
  return (
    process.env.BITBUCKET_OPENAPI_PATH ||
    resolve(repoRoot, '../shared/bitbucket/openapi/bitbucket-cloud-swagger.v3.json')
  );
}

export function openApiAvailable(): boolean {
  return existsSync(openApiPath());
}

/**
 * Everything this module accepts beyond the spec, with the evidence. Each one is applied in `toAjv()`, `relax()`,
 * `compileRoute()` or `responseTarget()`; nothing else is loosened.
 */
export const specRelaxations: readonly string[] = [
  '1. error.error also declares `fields` (object of string arrays) and `id` (string): the spec closes it ' +
    '(additionalProperties:false: message/detail/data) but real envelopes carry both (API-NOTES §4). ' +
    'It stays closed to every other key.',
  '2. An `enum` that lists null also allows null through `type` (only participant.state today: ' +
    'type string, enum [approved, changes_requested, null]; API-NOTES §5 documents state null).',
  '3. Closed rendered-text objects {raw, markup, html} (PR summary/rendered, comment and issue content, commit ' +
    'summary …) also declare `type`: Atlassian’s own examples show "type": "rendered" in three of them ' +
    '(GET …/commit/{commit}, GET …/issues/{issue_id}/changes, GET …/pullrequests/{pull_request_id}/activity).',
  '4. pullrequest_endpoint.commit also declares `type` and `links`: the spec closes it to `hash`, yet Atlassian’s ' +
    'example in GET …/pullrequests/{pull_request_id}/activity shows source/destination commits as ' +
    '{type: "commit", hash, links}.',
  '5. comment.inline also declares `context_lines` and `outdated`, and its from/to/start_from/start_to may be ' +
    'null: the same activity example has both keys and inline.to null, and the spec describes ' +
    'start_from/start_to as "null otherwise".',
  '6. A 4xx/5xx status that the operation does not declare, or declares without a JSON body, is checked against ' +
    'components.schemas.error: the spec lists only some error statuses (e.g. no 400 on GET …/pullrequests, ' +
    'though "Invalid pagelen" is documented), and every JSON error uses that envelope (API-NOTES §2, §4, §6).',
  '7. pullrequest.merge_commit and pullrequest.closed_by may be null, merge_commit also declares `type` and ' +
    '`links`, and pullrequest.links also declares `statuses` and `request-changes`: real responses recorded in ' +
    'sourcegraph/sourcegraph-public-snapshot internal/extsvc/bitbucketcloud/testdata/vcr/TestClient-GetPullRequest.yaml ' +
    '(2022-03-21, an OPEN PR: "merge_commit": null, "closed_by": null, links with statuses and request-changes) and ' +
    'TestClient-MergePullRequest.yaml (2022-04-06: merge_commit with "type": "commit" and links).',
  '8. participant.participated_on may be null: the spec’s own description says "or null if they have not ' +
    'commented", and the GetPullRequest recording of 7 has a reviewer with "participated_on": null.',
  '9. repository.links also declares `branches`, `tags` and `source`, project.links also declares `self`, and a ' +
    'clone href may be an scp-style SSH address (`git@bitbucket.org:ws/repo.git`, not a URI): the real repository ' +
    'recorded in sourcegraph/sourcegraph-public-snapshot …/testdata/vcr/TestClient-Repo.yaml (2022-04-13) has all ' +
    'of these.',
  '10. A pipeline’s `links` and its link sections need no `type` (the spec derives both from `object`, which ' +
    'requires it): a real 2026-05-27 GET …/pipelines answer logged in gildas/bitbucket-cli issue #102 has ' +
    '"links": {"self": {"href": …}, "steps": {"href": …}}.',
  '11. In `…/diff/{spec}` and `…/diffstat/{spec}` the spec may span several segments, like a trailing `{path}`: ' +
    'real PR links point at `…/diffstat/sourcegraph-testing/src-cli:8bbb22dda4e7%0D12fba599d6b6` (recordings of 7).',
  '12. Tasks: `task`, `pullrequest_task` and `pullrequest_comment_task` each close additionalProperties inside an ' +
    'allOf, so every branch rejects the properties the others declare and no task at all can match (not even one ' +
    'with only the required created_on/updated_on/state/content/creator). Each is checked as one closed object ' +
    'instead: the union of the properties its allOf declares, nothing else.',
  '13. An operation whose 200 declares no JSON body but whose description says it "returns a paginated list" ' +
    'takes the generic page parameters like any page (both activity lists and GET …/pullrequests/' +
    '{pull_request_id}/commits): the activity examples in those descriptions are pages ({pagelen, values}).',
];

// ---------------------------------------------------------------------------------------------------------
// Loading (once per spec path)

interface Loaded {
  path: string;
  spec: Spec;
  routes: Route[];
  /** components.schemas as ajv sees them: converted by `toAjv` and relaxed. */
  schemas: Record<string, Schema>;
  ajv: Ajv;
  validators: Map<string, ValidateFunction>;
}
let loaded: Loaded | undefined;

function load(): Loaded {
  const path = openApiPath();
  if (loaded?.path === path) return loaded;
  if (!existsSync(path)) throw new Error(`Bitbucket OpenAPI definition not found at ${path}`);
  const spec = JSON.parse(readFileSync(path, 'utf8')) as Spec;
  const schemas = toAjv(spec.components.schemas) as Record<string, Schema>;
  relax(schemas);
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addKeyword(uniqueJsonItems);
  // Registered, not compiled: ajv compiles only the parts a response schema reaches, on first use.
  ajv.addSchema({ $id: SPEC_ID, components: { schemas } });
  const routes = Object.entries(spec.paths).map(([template, item]) => compileRoute(template, item));
  loaded = { path, spec, routes, schemas, ajv, validators: new Map() };
  return loaded;
}

const isObject = (x: unknown): x is Schema => typeof x === 'object' && x !== null && !Array.isArray(x);

const DROPPED = new Set(['discriminator', 'example', 'examples', 'xml', 'externalDocs', 'deprecated']);
/** Values, not schemas: copied as they are. */
const RAW = new Set(['enum', 'default', 'const', 'required']);
const mapValues = (o: Schema, f: (v: unknown) => unknown): Schema =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));

/**
 * OpenAPI 3.0 schema → JSON Schema draft-07 for ajv: refs point into the registered document, `nullable` becomes
 * a `null` type, and annotation-only keys (`discriminator`, `example`, `x-*` …) are dropped.
 */
function toAjv(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toAjv);
  if (!isObject(node)) return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED.has(key) || key.startsWith('x-')) continue;
    if (key === 'uniqueItems') out.uniqueJsonItems = value;
    else if (key === '$ref' && typeof value === 'string')
      out.$ref = value.startsWith('#') ? SPEC_ID + value : value;
    else if (RAW.has(key)) out[key] = value;
    // The keys of `properties` are names (a property may be called `example`), not keywords.
    else if (key === 'properties' && isObject(value)) out[key] = mapValues(value, toAjv);
    else out[key] = toAjv(value);
  }
  // specRelaxations 2: the spec writes a nullable enum as `type: string` with null among the values.
  if (Array.isArray(out.enum) && out.enum.includes(null) && typeof out.type === 'string')
    out.type = [out.type, 'null'];
  // specRelaxations 3: rendered text also carries `type: "rendered"`.
  if (out.additionalProperties === false && isObject(out.properties) && isRenderedText(out.properties))
    out.properties = { ...out.properties, type: { type: 'string' } };
  if (out.nullable !== true) {
    delete out.nullable;
    return out;
  }
  delete out.nullable;
  if (typeof out.type !== 'string') return { anyOf: [out, { type: 'null' }] };
  out.type = [out.type, 'null'];
  if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  return out;
}

const isRenderedText = (properties: Schema) => Object.keys(properties).sort().join() === 'html,markup,raw';

/**
 * `uniqueItems` with the same meaning (JSON equality) in near-linear time. Every paginated_* schema sets it, and
 * ajv deep-compares every pair of items, last key first: 3-5 ms for a 50-PR page whose items end in nested
 * objects, against ~0.4 ms here. Items are bucketed by their top-level scalars (`id`, `uuid` …); only items
 * in the same bucket are compared, as canonical (key-sorted) JSON.
 */
function checkUniqueItems(on: boolean, data: unknown[]): boolean {
  if (!on) return true;
  const buckets = new Map<string, number[]>();
  for (const [j, item] of data.entries()) {
    const key = scalarsOf(item);
    const bucket = buckets.get(key) ?? [];
    const i = bucket.find((k) => canonicalJson(data[k]) === canonicalJson(item));
    if (i !== undefined) {
      const message = `must NOT have duplicate items (items ## ${i} and ${j} are identical)`;
      (checkUniqueItems as SchemaValidateFunction).errors = [
        { keyword: 'uniqueItems', message, params: { i, j } },
      ];
      return false;
    }
    buckets.set(key, [...bucket, j]);
  }
  return true;
}
const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : 1);
const scalarsOf = (x: unknown): string =>
  isObject(x)
    ? JSON.stringify(
        Object.entries(x)
          .filter(([, v]) => typeof v !== 'object' || v === null)
          .sort(byKey),
      )
    : Array.isArray(x)
      ? `array of ${x.length}`
      : JSON.stringify(x);
const canonicalJson = (x: unknown): string =>
  JSON.stringify(x, (_key, value: unknown) =>
    isObject(value) ? Object.fromEntries(Object.entries(value).sort(byKey)) : value,
  );
const uniqueJsonItems: KeywordDefinition = {
  keyword: 'uniqueJsonItems',
  type: 'array',
  schemaType: 'boolean',
  errors: true,
  validate: checkUniqueItems as SchemaValidateFunction,
};

/** A closed allOf flattened into one closed object: the union of its branches' properties (12). */
function flattenClosedAllOf(schemas: Record<string, Schema>, name: string): void {
  const schema = at(schemas, name);
  if (!Array.isArray(schema.allOf))
    throw new Error(`OpenAPI spec changed: components.schemas.${name} has no allOf`);
  const properties: Schema = {};
  const required: unknown[] = [];
  for (const branch of schema.allOf as Schema[]) {
    const ref = typeof branch.$ref === 'string' ? branch.$ref.split('/').pop() : undefined;
    const resolved = ref ? at(schemas, ref) : branch;
    Object.assign(properties, at(resolved, 'properties'));
    if (Array.isArray(resolved.required)) required.push(...resolved.required);
  }
  schemas[name] = { type: 'object', properties, required, additionalProperties: false };
}

/** Applies `specRelaxations` 1, 4, 5, 7-10, 12; throws if the spec lost that shape, so no relaxation goes stale. */
function relax(schemas: Record<string, Schema>): void {
  // 12: tasks (in order: each flattened schema is the base of the next).
  for (const name of ['pullrequest_task', 'pullrequest_comment_task']) flattenClosedAllOf(schemas, name);
  Object.assign(at(schemas, 'error', 'properties', 'error', 'properties'), {
    fields: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
    id: { type: 'string' },
  });
  Object.assign(at(schemas, 'pullrequest_endpoint', 'properties', 'commit', 'properties'), {
    type: { type: 'string' },
    links: { type: 'object' },
  });
  const inline = at(schemas, 'comment', 'allOf', '1', 'properties', 'inline', 'properties');
  for (const line of ['from', 'to', 'start_from', 'start_to']) at(inline, line).type = ['integer', 'null'];
  Object.assign(inline, { context_lines: { type: 'string' }, outdated: { type: 'boolean' } });

  // 7, 8: pull requests.
  const pr = at(schemas, 'pullrequest', 'allOf', '1', 'properties');
  const mergeCommit = at(pr, 'merge_commit');
  mergeCommit.type = ['object', 'null'];
  Object.assign(at(mergeCommit, 'properties'), { type: { type: 'string' }, links: { type: 'object' } });
  pr.closed_by = { anyOf: [at(pr, 'closed_by'), { type: 'null' }] };
  const prLinks = at(pr, 'links', 'properties');
  Object.assign(prLinks, { statuses: at(prLinks, 'self'), 'request-changes': at(prLinks, 'self') });
  at(schemas, 'participant', 'allOf', '1', 'properties', 'participated_on').type = ['string', 'null'];

  // 9: repositories and projects.
  const repoLinks = at(schemas, 'repository', 'allOf', '1', 'properties', 'links', 'properties');
  for (const name of ['branches', 'tags', 'source']) repoLinks[name] = at(repoLinks, 'self');
  const cloneHref = at(repoLinks, 'clone', 'items', 'properties', 'href');
  if (cloneHref.format !== 'uri') throw new Error('OpenAPI spec changed: repository clone href is not a uri');
  delete cloneHref.format;
  cloneHref.anyOf = [{ format: 'uri' }, { pattern: '^[^\\s@/]+@[^\\s:/]+:\\S+$' }];
  const projectLinks = at(schemas, 'project', 'allOf', '1', 'properties', 'links', 'properties');
  projectLinks.self = at(projectLinks, 'html');

  // 10: pipeline links without `type`.
  for (const name of ['pipelines_pipeline_links', 'pipelines_links_section_href']) {
    const allOf = at(schemas, name).allOf;
    const base = Array.isArray(allOf) ? (allOf[0] as Schema | undefined) : undefined;
    if (base?.$ref !== `${SPEC_ID}#/components/schemas/object`)
      throw new Error(`OpenAPI spec changed: components.schemas.${name} no longer extends object`);
    (allOf as Schema[])[0] = { type: 'object' };
  }
}

function at(root: Schema, ...keys: string[]): Schema {
  let node: unknown = root;
  for (const key of keys) node = typeof node === 'object' && node ? (node as Schema)[key] : undefined;
  if (!isObject(node)) throw new Error(`OpenAPI spec changed: components.schemas…${keys.join('.')} is gone`);
  return node;
}

// ---------------------------------------------------------------------------------------------------------
// Path matching

function compileRoute(template: string, item: Record<string, unknown>): Route {
  const parts = template.split('/').slice(1);
  return {
    template,
    item,
    segments: parts.map(segmentPattern),
    ranks: parts.map((p) => (/^\{[^}]+\}$/.test(p) ? 0 : p.includes('{') ? 1 : 2)),
    // specRelaxations 11: a diff/diffstat spec such as `ws/repo:abc%0Ddef` holds a slash.
    greedyTail:
      parts.at(-1) === '{path}' || (parts.at(-1) === '{spec}' && /^diff(stat)?$/.test(parts.at(-2) ?? '')),
  };
}

/** `{repo_name}-issues-{task_id}.zip` → /^.+-issues-.+\.zip$/ */
function segmentPattern(part: string): RegExp {
  const literals = part.split(/\{[^}]+\}/).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  // `s`: a decoded segment may hold any character, e.g. the CR (%0D) between the two commits of a diff spec.
  return new RegExp(`^${literals.join('.+')}$`, 's');
}

/** Decoded path segments relative to `/2.0`; accepts `/2.0/…`, a full URL (e.g. a `next` link) and a query. */
function segmentsOf(concretePath: string): string[] {
  let path = /^https?:\/\//.test(concretePath) ? new URL(concretePath).pathname : concretePath;
  path = (path.split(/[?#]/)[0] ?? '').replace(/^\/?/, '/');
  if (path === '/2.0' || path.startsWith('/2.0/')) path = path.slice(4);
  return path
    .split('/')
    .slice(1)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

function matches(route: Route, segs: string[]): boolean {
  const n = route.segments.length;
  if (route.greedyTail ? segs.length < n : segs.length !== n) return false;
  const fitted = route.greedyTail ? [...segs.slice(0, n - 1), segs.slice(n - 1).join('/')] : segs;
  return route.segments.every((re, i) => re.test(fitted[i] ?? ''));
}

/** Left to right, the first segment where one template is more literal than the other decides. */
function moreLiteral(a: Route, b: Route): boolean {
  for (let i = 0; i < Math.min(a.ranks.length, b.ranks.length); i++) {
    const d = (a.ranks[i] ?? 0) - (b.ranks[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return !a.greedyTail && b.greedyTail;
}

function locate(method: string, concretePath: string): { route?: Route; operation?: Operation } {
  const segs = segmentsOf(concretePath);
  let route: Route | undefined;
  for (const r of load().routes) if (matches(r, segs) && (!route || moreLiteral(r, route))) route = r;
  // The path decides the resource first, then the method: `PUT …/pullrequests/activity` is not a PR id.
  const operation = route?.item[method.toLowerCase()];
  return { route, operation: isObject(operation) ? (operation as Operation) : undefined };
}

export function findOperation(
  method: string,
  concretePath: string,
): { template: string; operation: Operation } | undefined {
  const { route, operation } = locate(method, concretePath);
  return route && operation ? { template: route.template, operation } : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Query parameters

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

function deref(node: unknown): unknown {
  const seen = new Set<string>();
  while (
    isObject(node) &&
    typeof node.$ref === 'string' &&
    node.$ref.startsWith('#/') &&
    !seen.has(node.$ref)
  ) {
    seen.add(node.$ref);
    let target: unknown = load().spec;
    for (const key of node.$ref.slice(2).split('/'))
      target = isObject(target) ? target[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    node = target;
  }
  return node;
}

/** A page envelope: a `values` array, directly or through $ref/allOf. */
function isPaginated(schema: unknown, depth = 0): boolean {
  const s = deref(schema);
  if (!isObject(s) || depth > 10) return false;
  const values = isObject(s.properties) ? deref(s.properties.values) : undefined;
  if (isObject(values) && values.type === 'array') return true;
  return Array.isArray(s.allOf) && s.allOf.some((part) => isPaginated(part, depth + 1));
}

/** The 200 answer is a page: by its schema, or, without one, by the operation's description (specRelaxations 13). */
function servesPages(operation: Operation): boolean {
  const schema = operation.responses?.['200']?.content?.['application/json']?.schema;
  if (schema !== undefined) return isPaginated(schema);
  return /\bpaginated list\b/i.test(String(operation.description ?? ''));
}

/**
 * Throws unless the operation exists and declares every query parameter, on itself or on its path item.
 * The spec leaves the generic parameters of the narrative undeclared on most operations, so `fields` is
 * accepted everywhere and `page`, `pagelen`, `q`, `sort` wherever the 200 response is a page; those are
 * returned as `acceptedAsGeneric` so a test can see which ones rode on that rule.
 */
export function assertOperationExists(
  method: string,
  concretePath: string,
  queryParamNames: string[],
): { template: string; acceptedAsGeneric: string[] } {
  const { route, operation } = locate(method, concretePath);
  const verb = method.toUpperCase();
  if (!route) throw new Error(`${verb} ${concretePath}: no path in the Bitbucket OpenAPI spec matches`);
  if (!operation) {
    const has = METHODS.filter((m) => isObject(route.item[m])).map((m) => m.toUpperCase());
    throw new Error(
      `${verb} ${concretePath}: ${route.template} has no ${verb} operation (only ${has.join(', ')})`,
    );
  }
  const params = [route.item.parameters, operation.parameters].flatMap((list) =>
    Array.isArray(list) ? list.map(deref) : [],
  ) as Parameter[];
  const declared = new Set(params.filter((p) => p.in === 'query').map((p) => p.name));
  const generic = servesPages(operation) ? ['fields', 'page', 'pagelen', 'q', 'sort'] : ['fields'];
  const acceptedAsGeneric: string[] = [];
  const unknown: string[] = [];
  for (const name of new Set(queryParamNames)) {
    if (declared.has(name)) continue;
    if (generic.includes(name)) acceptedAsGeneric.push(name);
    else unknown.push(name);
  }
  if (unknown.length > 0) {
    throw new Error(
      `${verb} ${route.template}: query parameter ${unknown.join(', ')} is not declared ` +
        `(declared: ${[...declared].join(', ') || 'none'}; generic allowed here: ${generic.join(', ')})`,
    );
  }
  return { template: route.template, acceptedAsGeneric };
}

// ---------------------------------------------------------------------------------------------------------
// Response bodies

/** What to check a body against; `schema` is the spec's own (OpenAPI form), converted when compiled. */
type Target =
  | { problem: string }
  | { key: string; schema: Schema; against: string }
  | { key?: undefined; against: string };

function responseTarget(method: string, concretePath: string, status: number): Target {
  const { route, operation } = locate(method, concretePath);
  const verb = method.toUpperCase();
  if (!route || !operation) return { problem: `${verb} ${concretePath}: no such operation in the spec` };
  const where = `${verb} ${route.template}`;
  const responses = operation.responses ?? {};
  const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => responses[k]);
  const schema = key ? responses[key]?.content?.['application/json']?.schema : undefined;
  if (key && schema) {
    const name = typeof schema.$ref === 'string' ? schema.$ref : 'inline schema';
    return { key: `${where} ${key}`, schema, against: `${where} → ${key}: ${name}` };
  }
  if (status >= 400) {
    const why = key ? 'declares no JSON body for it' : 'does not declare it';
    return {
      key: 'error',
      schema: { $ref: '#/components/schemas/error' },
      against: `#/components/schemas/error (status ${status}: ${where} ${why}; see specRelaxations)`,
    };
  }
  if (key) return { against: `nothing: ${where} → ${key} declares no application/json body` };
  return {
    problem: `${where}: status ${status} is not declared (only ${Object.keys(responses).join(', ')})`,
  };
}

export interface ResponseCheck {
  valid: boolean;
  errors: string[];
  /** What the body was checked against, or why it was not checked. */
  against: string;
}

/** Validates a JSON response body (already parsed) for `status`; 429's text/plain body is not JSON, skip it. */
export function validateResponse(
  method: string,
  concretePath: string,
  status: number,
  body: unknown,
): ResponseCheck {
  const target = responseTarget(method, concretePath, status);
  if ('problem' in target) return { valid: false, errors: [target.problem], against: 'nothing' };
  if (target.key === undefined) return { valid: true, errors: [], against: target.against };
  const { ajv, validators } = load();
  let validate = validators.get(target.key);
  if (!validate) {
    validate = ajv.compile(toAjv(target.schema) as Schema);
    validators.set(target.key, validate);
  }
  if (validate(body)) return { valid: true, errors: [], against: target.against };
  return {
    valid: false,
    errors: (validate.errors ?? []).map((e) => describeError(e, body)),
    against: target.against,
  };
}

/** e.g. `/values/0/state must be equal to one of the allowed values ["OPEN",…] (got "BOGUS") [schema …]`. */
function describeError(e: ErrorObject, body: unknown): string {
  const params = e.params as Record<string, unknown>;
  let text = `${e.instancePath || '(body)'} ${e.message ?? e.keyword}`;
  if (e.keyword === 'enum') text += ` ${JSON.stringify(params.allowedValues)}`;
  if (e.keyword === 'additionalProperties') text += `: "${String(params.additionalProperty)}"`;
  if (['type', 'enum', 'format', 'pattern', 'minimum', 'maximum'].includes(e.keyword)) {
    let value = body;
    for (const key of e.instancePath.split('/').slice(1))
      value = (value as Record<string, unknown>)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')];
    text += ` (got ${JSON.stringify(value)?.slice(0, 80)})`;
  }
  return `${text} [schema ${e.schemaPath.replace(`${SPEC_ID}#`, '#')}]`;
}

/**
 * The response schema for debugging, with every $ref expanded in place (a ref back into its own ancestry is
 * left as `{ $ref }`). The error fallback and relaxations are included, as ajv sees them.
 */
export function schemaFor(method: string, concretePath: string, status: number): Schema | undefined {
  const target = responseTarget(method, concretePath, status);
  if (!('schema' in target)) return undefined;
  const { schemas } = load();
  const expand = (node: unknown, stack: string[]): unknown => {
    if (Array.isArray(node)) return node.map((n) => expand(n, stack));
    if (!isObject(node)) return node;
    const ref = typeof node.$ref === 'string' ? node.$ref : undefined;
    const name = ref?.split('/').at(-1);
    if (ref && name && schemas[name])
      return stack.includes(name) ? { $ref: ref } : expand(schemas[name], [...stack, name]);
    return mapValues(node, (v) => expand(v, stack));
  };
  return expand(toAjv(target.schema), []) as Schema;
}
