import { describe, expect, it } from 'vitest';
import { projectFields } from '../../sandbox/api/fields';

const HIDDEN = ['values.participants', 'values.reviewers'];

function pullRequest(id: number, state: string) {
  return {
    id,
    state,
    title: `PR ${id}`,
    closed_by: null,
    destination: { branch: { name: 'main' }, repository: { full_name: 'ws/repo', uuid: '{r}' } },
    links: { self: { href: `https://api/pr/${id}` }, html: { href: `https://web/pr/${id}` } },
    participants: [{ user: { nickname: 'ann' }, role: 'REVIEWER', approved: true }],
    reviewers: [{ nickname: 'ann' }],
  };
}

function page() {
  return {
    pagelen: 2,
    size: 5,
    page: 1,
    next: 'https://api/pullrequests?page=2',
    values: [pullRequest(1, 'OPEN'), pullRequest(2, 'MERGED')],
  };
}

const user = {
  nickname: 'evzijst',
  display_name: 'Erik van Zijst',
  links: { self: { href: 'https://api/users/evzijst' }, avatar: { href: 'https://avatar' } },
  created_on: '2010-07-07T05:16:36+00:00',
};

type Page = ReturnType<typeof page>;
type Pr = Record<string, unknown>;

function project(spec: string | undefined, full: unknown = page()): Page {
  return projectFields(full, spec, HIDDEN) as Page;
}

function firstValue(spec: string | undefined): Pr {
  return project(spec).values[0] as Pr;
}

function withoutHidden(pr: ReturnType<typeof pullRequest>): Pr {
  const { participants: _p, reviewers: _r, ...rest } = pr;
  return rest;
}

describe('fields: defaults', () => {
  it('without a spec returns everything but the hidden paths', () => {
    const expected = { ...page(), values: page().values.map(withoutHidden) };
    expect(project(undefined)).toEqual(expected);
    expect(project('')).toEqual(expected);
  });

  it('returns the input unchanged when nothing is hidden or requested', () => {
    expect(projectFields(user, undefined)).toEqual(user);
  });

  it('does not modify the input', () => {
    const full = page();
    const before = structuredClone(full);
    projectFields(full, '-links,values.id,+values.participants,-*', HIDDEN);
    projectFields(full, undefined, HIDDEN);
    expect(full).toEqual(before);
  });
});

describe('fields: removal and addition', () => {
  it('-links drops a field and keeps the rest', () => {
    const { links: _links, ...rest } = user;
    expect(projectFields(user, '-links')).toEqual(rest);
  });

  it('-values.links drops the field from every element', () => {
    const values = project('-values.links').values as Pr[];
    expect(values.map((v) => 'links' in v)).toEqual([false, false]);
    expect(values[0]).toHaveProperty('title', 'PR 1');
  });

  it('+values.participants re-adds one hidden field only', () => {
    const pr = firstValue('+values.participants');
    expect(pr.participants).toEqual(pullRequest(1, 'OPEN').participants);
    expect(pr).not.toHaveProperty('reviewers');
    expect(pr).toHaveProperty('links');
  });

  it('re-adds both hidden fields', () => {
    expect(Object.keys(firstValue('+values.participants,+values.reviewers'))).toEqual(
      Object.keys(pullRequest(1, 'OPEN')),
    );
  });

  it('a + prefix that arrived as a space matches nothing', () => {
    expect(project(' values.participants')).toEqual({});
  });

  it('ignores paths that do not exist', () => {
    expect(projectFields(user, '-nope,-links.nope.deeper')).toEqual(user);
    expect(projectFields(user, 'nope')).toEqual({});
  });
});

describe('fields: only listed', () => {
  it('values.id,values.state,next keeps exactly those', () => {
    expect(project('values.id,values.state,next')).toEqual({
      values: [
        { id: 1, state: 'OPEN' },
        { id: 2, state: 'MERGED' },
      ],
      next: 'https://api/pullrequests?page=2',
    });
  });

  it('keeps intermediate objects with only the selected child', () => {
    expect(project('values.destination.branch.name')).toEqual({
      values: [{ destination: { branch: { name: 'main' } } }, { destination: { branch: { name: 'main' } } }],
    });
  });

  it('picks a field inside array elements of an element', () => {
    expect(project('values.id,values.reviewers.nickname').values[0]).toEqual({
      id: 1,
      reviewers: [{ nickname: 'ann' }],
    });
  });

  it('keeps every array element, even when nothing in it was selected', () => {
    expect(project('values.nope')).toEqual({ values: [{}, {}] });
    expect(project('values.id', { values: [] })).toEqual({ values: [] });
  });

  it('leaves out a nested path whose parent is null', () => {
    expect(firstValue('values.id,values.closed_by.display_name')).toEqual({ id: 1 });
  });

  it('a listed object brings its whole subtree', () => {
    expect(projectFields(user, 'nickname,links')).toEqual({ nickname: user.nickname, links: user.links });
  });

  it('+ paths add to a listed selection', () => {
    expect(project('values.id,+next')).toEqual({ values: [{ id: 1 }, { id: 2 }], next: page().next });
  });

  it('- paths carve out of a listed object', () => {
    expect(projectFields(user, 'links,-links.avatar')).toEqual({ links: { self: user.links.self } });
  });
});

describe('fields: wildcards', () => {
  it('-links.* empties links but keeps it', () => {
    expect(projectFields(user, '-links.*')).toEqual({ ...user, links: {} });
  });

  it('-*,+foo removes everything, then adds foo', () => {
    expect(projectFields(user, '-*,+nickname')).toEqual({ nickname: 'evzijst' });
    expect(project('-*,+next')).toEqual({ next: page().next });
  });

  it('values.* keeps whole elements', () => {
    const result = project('values.*');
    expect(Object.keys(result)).toEqual(['values']);
    expect(result.values[1]).toHaveProperty('title', 'PR 2');
  });

  it('fields=* lists the hidden fields too', () => {
    const result = project('*');
    expect(result).toEqual(page());
  });

  it('* matches a single segment', () => {
    expect(projectFields(user, '-*.href')).toEqual(user);
    expect(projectFields(user, '-*.*.href')).toEqual({ ...user, links: { self: {}, avatar: {} } });
  });
});

describe('fields: conflicting rules', () => {
  it('the more specific rule wins, whatever the order', () => {
    expect(projectFields(user, '-links,+links.self')).toEqual({ ...user, links: { self: user.links.self } });
    expect(projectFields(user, '+links.self,-links')).toEqual({ ...user, links: { self: user.links.self } });
    expect(Object.keys(firstValue('values.*,-values.links'))).not.toContain('links');
    expect(Object.keys(firstValue('-values.links,values.*'))).not.toContain('links');
  });

  it('a named segment is more specific than a wildcard', () => {
    expect(projectFields(user, '-*,+links')).toEqual({ links: user.links });
    expect(projectFields(user, '+links,-*')).toEqual({ links: user.links });
  });

  it('on a tie the later rule wins', () => {
    expect(projectFields(user, '-links,+links')).toEqual(user);
    expect(projectFields(user, '+links,-links')).not.toHaveProperty('links');
    // links.self: `links` and `*.self` each have one named segment.
    expect(projectFields(user, '-links,+*.self')).toEqual({ ...user, links: { self: user.links.self } });
    expect(projectFields(user, '+*.self,-links')).not.toHaveProperty('links');
  });

  it('an explicit rule below a hidden path re-adds just that part', () => {
    expect(firstValue('+values.participants.role').participants).toEqual([{ role: 'REVIEWER' }]);
    expect(firstValue('-values.participants.role')).not.toHaveProperty('participants');
  });
});
