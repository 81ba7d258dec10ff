// Unit tests of test/support/openapi.ts, the contract checker the sandbox tests rely on.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv from 'ajv';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  assertOperationExists,
  findOperation,
  openApiAvailable,
  openApiPath,
  schemaFor,
  validateResponse,
} from '../support/openapi';
import { needService } from '../support/services';

const available = needService(
  'Bitbucket OpenAPI definition',
  openApiAvailable(),
  'set BITBUCKET_OPENAPI_PATH',
);

const API = 'http://127.0.0.1:4010/2.0';
const link = (path: string) => ({ href: `${API}${path}` });
const ada = {
  type: 'user',
  uuid: '{0b1c2d3e-0000-4000-8000-000000000001}',
  account_id: '557058:0b1c2d3e',
  display_name: 'Ada Lovelace',
  nickname: 'ada',
  links: { self: link('/users/%7B0b1c2d3e-0000-4000-8000-000000000001%7D') },
};
const repository = {
  type: 'repository',
  uuid: '{5d6e7f80-0000-4000-8000-000000000002}',
  full_name: 'ws/repo',
  name: 'repo',
  links: { self: link('/repositories/ws/repo'), html: { href: 'https://bitbucket.org/ws/repo' } },
};
function pullRequest(id: number): Record<string, unknown> {
  return {
    type: 'pullrequest',
    id,
    title: 'x',
    state: 'OPEN',
    draft: false,
    author: ada,
    // The real commit carries type and links (specRelaxations 4); the summary carries type (3).
    source: {
      branch: { name: `feature/${id}` },
      commit: {
        type: 'commit',
        hash: 'abcdef1234567',
        links: { self: link('/repositories/ws/repo/commit/abcdef1') },
      },
      repository,
    },
    destination: { branch: { name: 'main' }, commit: { hash: '1234567abcdef' }, repository },
    summary: { type: 'rendered', raw: 'Hello', markup: 'markdown', html: '<p>Hello</p>' },
    // state null is documented (API-NOTES §5) and listed in the enum, though the type says string (2).
    participants: [{ type: 'participant', user: ada, role: 'REVIEWER', approved: false, state: null }],
    comment_count: 0,
    task_count: 0,
    created_on: '2026-03-17T11:17:48.581867+00:00',
    updated_on: '2026-03-18T09:00:00.000001+00:00',
    links: { self: link(`/repositories/ws/repo/pullrequests/${id}`) },
  };
}
function pullRequestPage(prs = [pullRequest(1)]): Record<string, unknown> {
  return { pagelen: 50, values: prs, next: `${API}/repositories/ws/repo/pullrequests?page=2` };
}
const PRS = '/repositories/ws/repo/pullrequests';

describe('locating the OpenAPI definition', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('uses BITBUCKET_OPENAPI_PATH when set, else shared/ beside the repository', () => {
    vi.stubEnv('BITBUCKET_OPENAPI_PATH', '/nonexistent/swagger.json');
    expect(openApiPath()).toBe('/nonexistent/swagger.json');
    expect(openApiAvailable()).toBe(false);
    vi.stubEnv('BITBUCKET_OPENAPI_PATH', '');
    expect(openApiPath()).toBe(
      resolve(process.cwd(), '../shared/bitbucket/openapi/bitbucket-cloud-swagger.v3.json'),
    );
  });
});

describe.skipIf(!available)('OpenAPI contract support (test/support/openapi.ts)', () => {
  describe('findOperation', () => {
    it('prefers a literal segment over a parameter', () => {
      expect(findOperation('GET', `${PRS}/activity`)?.template).toBe(
        '/repositories/{workspace}/{repo_slug}/pullrequests/activity',
      );
      expect(findOperation('GET', `${PRS}/3/activity`)?.template).toBe(
        '/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/activity',
      );
      expect(findOperation('get', `${PRS}/3`)?.template).toBe(
        '/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}',
      );
    });

    it('matches URL-encoded {uuid} parameters, a /2.0 prefix and a full next-page URL', () => {
      const template = '/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/activity';
      expect(
        findOperation('GET', '/2.0/repositories/%7Bws-uuid%7D/%7Brepo-uuid%7D/pullrequests/3/activity'),
      ).toEqual({ template, operation: expect.objectContaining({ responses: expect.any(Object) }) });
      expect(
        findOperation('GET', `${API}/repositories/ws/repo/pullrequests/3/activity?page=2`)?.template,
      ).toBe(template);
    });

    it('finds the workspace endpoints the extractor starts from', () => {
      expect(findOperation('GET', '/user/workspaces')?.template).toBe('/user/workspaces');
      expect(findOperation('GET', '/workspaces/my-ws/members')?.template).toBe(
        '/workspaces/{workspace}/members',
      );
      expect(findOperation('GET', '/workspaces/my-ws/members/%7Bu%7D')?.template).toBe(
        '/workspaces/{workspace}/members/{member}',
      );
    });

    it('lets a trailing {path} span several segments', () => {
      expect(findOperation('GET', '/repositories/ws/repo/src/abc123/dir/sub/file.ts')?.template).toBe(
        '/repositories/{workspace}/{repo_slug}/src/{commit}/{path}',
      );
    });

    it('returns undefined for an unknown path, and for a method the literal path lacks', () => {
      expect(findOperation('GET', '/repositories/ws/repo/nonsense/1/2/3')).toBeUndefined();
      // Not PUT /pullrequests/{pull_request_id} with id "activity".
      expect(findOperation('PUT', `${PRS}/activity`)).toBeUndefined();
    });
  });

  describe('assertOperationExists', () => {
    it('accepts declared query parameters and reports none as generic', () => {
      expect(assertOperationExists('GET', PRS, ['state'])).toEqual({
        template: '/repositories/{workspace}/{repo_slug}/pullrequests',
        acceptedAsGeneric: [],
      });
    });

    it('accepts page, pagelen, q, sort and fields on a paginated operation and says so', () => {
      expect(assertOperationExists('GET', PRS, ['state', 'q', 'sort', 'pagelen', 'page', 'fields'])).toEqual({
        template: '/repositories/{workspace}/{repo_slug}/pullrequests',
        acceptedAsGeneric: ['q', 'sort', 'pagelen', 'page', 'fields'],
      });
      // /user/workspaces declares sort itself; q rides on the generic rule.
      expect(assertOperationExists('GET', '/user/workspaces', ['sort', 'q']).acceptedAsGeneric).toEqual([
        'q',
      ]);
    });

    it('takes a "paginated list" without a body schema as a page (specRelaxations 13)', () => {
      for (const path of [`${PRS}/activity`, `${PRS}/3/activity`, `${PRS}/3/commits`])
        expect(assertOperationExists('GET', path, ['page', 'pagelen']).acceptedAsGeneric).toEqual([
          'page',
          'pagelen',
        ]);
    });

    it('accepts only fields on an operation that returns one object', () => {
      expect(assertOperationExists('GET', `${PRS}/7`, ['fields']).acceptedAsGeneric).toEqual(['fields']);
      expect(() => assertOperationExists('GET', `${PRS}/7`, ['pagelen'])).toThrow(
        /pull_request_id}: query parameter pagelen is not declared .*generic allowed here: fields\)/,
      );
    });

    it('rejects an unknown query parameter, naming it and what is allowed', () => {
      expect(() => assertOperationExists('GET', PRS, ['state', 'bogus'])).toThrow(
        'GET /repositories/{workspace}/{repo_slug}/pullrequests: query parameter bogus is not declared ' +
          '(declared: state; generic allowed here: fields, page, pagelen, q, sort)',
      );
    });

    it('finds query parameters declared on the path item', () => {
      expect(assertOperationExists('GET', '/repositories/ws/repo/diffstat/a..b', ['topic', 'path'])).toEqual({
        template: '/repositories/{workspace}/{repo_slug}/diffstat/{spec}',
        acceptedAsGeneric: [],
      });
    });

    it('names a missing path or a missing method', () => {
      expect(() => assertOperationExists('GET', '/nope/1', [])).toThrow('GET /nope/1: no path in the');
      expect(() => assertOperationExists('DELETE', '/user/workspaces', [])).toThrow(
        'DELETE /user/workspaces: /user/workspaces has no DELETE operation (only GET)',
      );
    });
  });

  describe('validateResponse', () => {
    it('accepts a realistic pull request page', () => {
      const page = pullRequestPage([pullRequest(1), pullRequest(2)]);
      expect(validateResponse('GET', PRS, 200, page)).toEqual({
        valid: true,
        errors: [],
        against:
          'GET /repositories/{workspace}/{repo_slug}/pullrequests → 200: #/components/schemas/paginated_pullrequests',
      });
      expect(validateResponse('GET', `/2.0${PRS}?state=OPEN&pagelen=50`, 200, page).valid).toBe(true);
    });

    it('names the path, the rule and the value of each wrong field', () => {
      const bad = { ...pullRequest(1), id: 'one', state: 'BOGUS', created_on: 'yesterday' };
      const { valid, errors } = validateResponse('GET', PRS, 200, { ...pullRequestPage([bad]), pagelen: 0 });
      expect(valid).toBe(false);
      expect(errors).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^\/pagelen must be >= 1 \(got 0\)/),
          expect.stringMatching(/^\/values\/0\/id must be integer \(got "one"\)/),
          expect.stringMatching(
            /^\/values\/0\/state must be equal to one of the allowed values \["OPEN","MERGED","DECLINED","SUPERSEDED"\] \(got "BOGUS"\)/,
          ),
          expect.stringMatching(/^\/values\/0\/created_on must match format "date-time" \(got "yesterday"\)/),
        ]),
      );
      expect(errors).toHaveLength(4);
    });

    it('enforces the closed page envelope and closed nested objects', () => {
      const page = { ...pullRequestPage(), nextPage: 'x' };
      expect(validateResponse('GET', PRS, 200, page).errors).toEqual([
        expect.stringMatching(/^\(body\) must NOT have additional properties: "nextPage"/),
      ]);
      const pr = { ...pullRequest(1), merge_commit: { hash: 'abcdef1', date: '2026-01-01' } };
      expect(validateResponse('GET', `${PRS}/1`, 200, pr).errors).toEqual([
        expect.stringMatching(/^\/merge_commit must NOT have additional properties: "date"/),
      ]);
    });

    it('rejects a page that repeats an item (uniqueItems), saying which ones', () => {
      const { errors } = validateResponse(
        'GET',
        PRS,
        200,
        pullRequestPage([pullRequest(1), pullRequest(2), pullRequest(1)]),
      );
      expect(errors).toEqual([
        expect.stringMatching(/^\/values must NOT have duplicate items \(items ## 0 and 2/),
      ]);
      // Key order does not make two equal items different.
      const reordered = Object.fromEntries(Object.entries(pullRequest(1)).reverse());
      expect(validateResponse('GET', PRS, 200, pullRequestPage([pullRequest(1), reordered])).valid).toBe(
        false,
      );
    });

    it('checks the /user/workspaces and /workspaces/{workspace}/members pages', () => {
      const workspace = {
        type: 'workspace',
        uuid: '{w}',
        slug: 'my-ws',
        links: { self: link('/workspaces/my-ws') },
      };
      const access = { type: 'workspace_access', administrator: false, workspace };
      expect(validateResponse('GET', '/user/workspaces', 200, { pagelen: 10, values: [access] }).valid).toBe(
        true,
      );
      expect(
        validateResponse('GET', '/user/workspaces', 200, { values: [{ ...access, administrator: 'no' }] })
          .errors,
      ).toEqual([expect.stringMatching(/^\/values\/0\/administrator must be boolean/)]);
      const member = { type: 'workspace_membership', user: ada, workspace, links: { self: link('/x') } };
      expect(validateResponse('GET', '/workspaces/my-ws/members', 200, { values: [member] }).valid).toBe(
        true,
      );
      expect(
        validateResponse('GET', '/workspaces/my-ws/members', 200, {
          values: [{ ...member, user: { nickname: 'ada' } }],
        }).errors,
      ).toEqual([expect.stringMatching(/^\/values\/0\/user must have required property 'type'/)]);
    });

    it('accepts declared error envelopes (404, 410) against the error schema', () => {
      const notFound = { type: 'error', error: { message: 'Repository ws/repo not found' } };
      expect(validateResponse('GET', PRS, 404, notFound)).toMatchObject({
        valid: true,
        against: expect.stringContaining('404: #/components/schemas/error'),
      });
      const gone = {
        type: 'error',
        error: {
          message: 'CHANGE-2770 - Functionality has been deprecated',
          detail: 'Please read the changelog entry for more details.',
          data: { announcement_url: 'https://developer.atlassian.com/cloud/bitbucket/changelog#CHANGE-2770' },
        },
      };
      expect(validateResponse('GET', '/repositories/ws', 410, gone).valid).toBe(true);
    });

    it('keeps the error envelope closed, apart from the documented fields and id', () => {
      const documented = {
        type: 'error',
        error: { message: 'Bad request', fields: { src: ['This field is required.'] }, id: 'd23a' },
      };
      expect(validateResponse('GET', PRS, 404, documented).valid).toBe(true);
      expect(validateResponse('GET', PRS, 404, { type: 'error', error: { mesage: 'typo' } }).errors).toEqual([
        "/error must have required property 'message' [schema #/components/schemas/error/properties/error/required]",
        '/error must NOT have additional properties: "mesage" [schema #/components/schemas/error/properties/error/additionalProperties]',
      ]);
      expect(validateResponse('GET', PRS, 404, { error: { message: 'x' } }).valid).toBe(false);
    });

    it('checks undeclared error statuses against the error envelope, and says so', () => {
      const invalidPagelen = { type: 'error', error: { message: 'Invalid pagelen' } };
      expect(validateResponse('GET', PRS, 400, invalidPagelen)).toEqual({
        valid: true,
        errors: [],
        against:
          '#/components/schemas/error (status 400: GET /repositories/{workspace}/{repo_slug}/pullrequests ' +
          'does not declare it; see specRelaxations)',
      });
      expect(validateResponse('GET', PRS, 401, 'Unauthorized').valid).toBe(false);
    });

    it('rejects an undeclared success status and an unknown operation', () => {
      expect(validateResponse('GET', PRS, 201, {})).toEqual({
        valid: false,
        errors: [
          'GET /repositories/{workspace}/{repo_slug}/pullrequests: status 201 is not declared (only 200, 401, 404)',
        ],
        against: 'nothing',
      });
      expect(validateResponse('PATCH', PRS, 200, {}).valid).toBe(false);
    });

    it('says when the spec gives no body schema to check against', () => {
      expect(validateResponse('GET', `${PRS}/1/activity`, 200, { values: [] })).toEqual({
        valid: true,
        errors: [],
        against:
          'nothing: GET /repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/activity → 200 ' +
          'declares no application/json body',
      });
    });

    it('accepts the comment shape of Atlassian’s own activity example (specRelaxations 3, 5)', () => {
      const comment = {
        type: 'pullrequest_comment',
        id: 118571088,
        deleted: false,
        content: { type: 'rendered', raw: 'inline', markup: 'markdown', html: '<p>inline</p>' },
        inline: { context_lines: '', to: null, path: 'src/a.ts', outdated: false, from: 211 },
        user: ada,
        created_on: '2019-09-27T00:33:46.039178+00:00',
        updated_on: '2019-09-27T00:33:46.055384+00:00',
      };
      expect(validateResponse('GET', `${PRS}/1/comments/118571088`, 200, comment).errors).toEqual([]);
      const wrong = { ...comment, inline: { ...comment.inline, from: 0, stale: true } };
      expect(validateResponse('GET', `${PRS}/1/comments/118571088`, 200, wrong).errors).toEqual([
        expect.stringMatching(/^\/inline must NOT have additional properties: "stale"/),
        expect.stringMatching(/^\/inline\/from must be >= 1 \(got 0\)/),
      ]);
    });

    it('validates Atlassian’s own response examples, except the listed contradictions (not relaxed)', () => {
      const spec = JSON.parse(readFileSync(openApiPath(), 'utf8')) as {
        paths: Record<string, Record<string, { responses?: Record<string, Example> }>>;
      };
      type Example = { content?: { 'application/json'?: { examples?: Record<string, { value: unknown }> } } };
      const failing: string[] = [];
      let checked = 0;
      for (const [template, item] of Object.entries(spec.paths)) {
        for (const [method, operation] of Object.entries(item)) {
          for (const [status, response] of Object.entries(operation.responses ?? {})) {
            for (const { value } of Object.values(response.content?.['application/json']?.examples ?? {})) {
              checked++;
              const concrete = template.replace(/\{[^}]+\}/g, 'x1');
              if (!validateResponse(method, concrete, Number(status), value).valid)
                failing.push(`${method.toUpperCase()} ${template} ${status}`);
            }
          }
        }
      }
      expect(checked).toBeGreaterThan(50);
      // Each is Atlassian's example against Atlassian's schema: nulls where the spec has no nullable (deploy,
      // GPG and SSH keys), unencoded {uuid} in hrefs (format uri), examples that omit the required `type`,
      // undeclared keys (issue import `percent`, issue change `assignee_account_id`, hook_events `links`).
      // None is on the extractor's path, so none is relaxed; the emulator need not serve these.
      expect(failing).toEqual([
        'GET /hook_events 200',
        'GET /repositories/{workspace}/{repo_slug}/branching-model 200',
        'PUT /repositories/{workspace}/{repo_slug}/branching-model/settings 200',
        'GET /repositories/{workspace}/{repo_slug}/deploy-keys 200',
        'POST /repositories/{workspace}/{repo_slug}/deploy-keys 200',
        'GET /repositories/{workspace}/{repo_slug}/deploy-keys/{key_id} 200',
        'PUT /repositories/{workspace}/{repo_slug}/deploy-keys/{key_id} 200',
        'GET /repositories/{workspace}/{repo_slug}/effective-default-reviewers 200',
        'GET /repositories/{workspace}/{repo_slug}/file-conflicts/{spec} 200',
        'GET /repositories/{workspace}/{repo_slug}/filehistory/{commit}/{path} 200',
        'GET /repositories/{workspace}/{repo_slug}/issues/import 202',
        'POST /repositories/{workspace}/{repo_slug}/issues/import 202',
        'GET /repositories/{workspace}/{repo_slug}/issues/{issue_id}/changes 200',
        'GET /users/{selected_user}/gpg-keys 200',
        'POST /users/{selected_user}/gpg-keys 201',
        'GET /users/{selected_user}/gpg-keys/{fingerprint} 200',
        'GET /users/{selected_user}/ssh-keys 200',
        'POST /users/{selected_user}/ssh-keys 201',
        'GET /users/{selected_user}/ssh-keys/{key_id} 200',
        'PUT /users/{selected_user}/ssh-keys/{key_id} 200',
        'PUT /workspaces/{workspace}/projects/{project_key}/branching-model/settings 200',
        'GET /workspaces/{workspace}/projects/{project_key}/default-reviewers 200',
        'GET /workspaces/{workspace}/projects/{project_key}/deploy-keys 200',
        'POST /workspaces/{workspace}/projects/{project_key}/deploy-keys 200',
        'GET /workspaces/{workspace}/projects/{project_key}/deploy-keys/{key_id} 200',
      ]);
    });

    it('caches the compiled validator: a warm page is checked without compiling again', () => {
      // Compiling paginated_pullrequests takes 100-300 ms: once per schema, not once per page.
      // Counted, not timed: a loaded machine must not fail this.
      const page = pullRequestPage(Array.from({ length: 100 }, (_, i) => pullRequest(i + 1)));
      expect(validateResponse('GET', PRS, 200, page).valid).toBe(true);
      const compile = vi.spyOn(Ajv.prototype, 'compile');
      for (let i = 0; i < 50; i++) expect(validateResponse('GET', PRS, 200, page).valid).toBe(true);
      expect(compile).not.toHaveBeenCalled();
      compile.mockRestore();
    });
  });

  describe('schemaFor', () => {
    it('returns the response schema with its $refs expanded, as ajv sees it', () => {
      const schema = schemaFor('GET', PRS, 200) as {
        properties: { values: { items: { allOf: { properties?: Record<string, { enum?: unknown[] }> }[] } } };
      };
      const pr = schema.properties.values.items.allOf[1]?.properties;
      expect(pr?.state?.enum).toEqual(['OPEN', 'MERGED', 'DECLINED', 'SUPERSEDED']);
      expect(JSON.stringify(schema)).not.toContain(
        '"$ref":"bitbucket-openapi#/components/schemas/pullrequest"',
      );
    });

    it('returns the error envelope for an error fallback and undefined where nothing is checked', () => {
      expect(schemaFor('GET', PRS, 400)).toMatchObject({
        required: ['type'],
        properties: { error: { required: ['message'] } },
      });
      expect(schemaFor('GET', `${PRS}/1/activity`, 200)).toBeUndefined();
      expect(schemaFor('GET', '/nope', 200)).toBeUndefined();
    });
  });
});
