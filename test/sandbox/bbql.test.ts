import { describe, expect, it } from 'vitest';
import { BbqlError, compileBbql, evaluateBbql, parseBbql } from '../../sandbox/api/bbql';

function matches(q: string, record: unknown): boolean {
  return compileBbql(q)(record);
}

function errorOf(q: string, allowedFields?: ReadonlySet<string>): string {
  try {
    parseBbql(q, allowedFields);
  } catch (err) {
    expect(err).toBeInstanceOf(BbqlError);
    return (err as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(q)} to be rejected`);
}

const pr = {
  id: 42,
  title: 'Fix the Unicode handling',
  state: 'OPEN',
  draft: false,
  closed_by: null,
  updated_on: '2026-01-01T00:00:00.000002+00:00',
  destination: { branch: { name: 'main' } },
  reviewers: [{ nickname: 'evzijst' }],
};

describe('BBQL comparisons', () => {
  it('= and != compare strings exactly', () => {
    expect(matches('state = "OPEN"', pr)).toBe(true);
    expect(matches('state = "open"', pr)).toBe(false);
    expect(matches('state != "OPEN"', pr)).toBe(false);
    expect(matches('state != "MERGED"', pr)).toBe(true);
  });

  it('~ and !~ are case-insensitive contains', () => {
    expect(matches('title ~ "unicode"', pr)).toBe(true);
    expect(matches('title ~ "UNICODE H"', pr)).toBe(true);
    expect(matches('title ~ "ascii"', pr)).toBe(false);
    expect(matches('title !~ "UNICODE"', pr)).toBe(false);
    expect(matches('title !~ "ascii"', pr)).toBe(true);
  });

  it('orders numbers, including negative and fractional literals', () => {
    expect(matches('id < 1234', pr)).toBe(true);
    expect(matches('id > 42', pr)).toBe(false);
    expect(matches('id >= 42', pr)).toBe(true);
    expect(matches('id <= 41.5', pr)).toBe(false);
    expect(matches('id > -10.302', pr)).toBe(true);
    expect(matches('id = 42', pr)).toBe(true);
    expect(matches('id = "42"', pr)).toBe(false);
  });

  it('orders strings', () => {
    expect(matches('state > "MERGED"', pr)).toBe(true);
    expect(matches('state < "MERGED"', pr)).toBe(false);
  });

  it('compares booleans', () => {
    expect(matches('draft = false', pr)).toBe(true);
    expect(matches('draft = true', pr)).toBe(false);
    expect(matches('draft != true', pr)).toBe(true);
  });

  it('walks dotted paths but not arrays', () => {
    expect(matches('destination.branch.name = "main"', pr)).toBe(true);
    expect(matches('destination.branch.name = "develop"', pr)).toBe(false);
    expect(matches('reviewers.nickname = "evzijst"', pr)).toBe(false);
  });

  it('unescapes backslash escapes in strings', () => {
    const record = { title: 'say "hi" \\ bye' };
    expect(matches('title = "say \\"hi\\" \\\\ bye"', record)).toBe(true);
  });
});

describe('BBQL null and missing fields', () => {
  it('= null matches a null or missing field; != null the opposite', () => {
    expect(matches('closed_by = null', pr)).toBe(true);
    expect(matches('nonexistent = null', pr)).toBe(true);
    expect(matches('state = null', pr)).toBe(false);
    expect(matches('closed_by != null', pr)).toBe(false);
    expect(matches('nonexistent != null', pr)).toBe(false);
    expect(matches('state != null', pr)).toBe(true);
  });

  it('ordering on a missing or null field is false', () => {
    expect(matches('nonexistent > 1', pr)).toBe(false);
    expect(matches('nonexistent <= 1', pr)).toBe(false);
    expect(matches('closed_by < "z"', pr)).toBe(false);
    expect(matches('nonexistent > 2000-01-01', pr)).toBe(false);
  });

  it('negated operators are true on a missing field', () => {
    expect(matches('nonexistent != "x"', pr)).toBe(true);
    expect(matches('nonexistent !~ "x"', pr)).toBe(true);
    expect(matches('nonexistent NOT IN ("x")', pr)).toBe(true);
    expect(matches('nonexistent IN ("x")', pr)).toBe(false);
  });
});

describe('BBQL IN and NOT IN', () => {
  it('IN matches any listed value; NOT IN none of them', () => {
    expect(matches('state IN ("OPEN", "MERGED")', pr)).toBe(true);
    expect(matches('state IN ("DECLINED", "MERGED")', pr)).toBe(false);
    expect(matches('state NOT IN ("DECLINED", "MERGED")', pr)).toBe(true);
    expect(matches('state NOT IN ("OPEN")', pr)).toBe(false);
    expect(matches('id IN (1, 42)', pr)).toBe(true);
    expect(matches('closed_by IN ("x", null)', pr)).toBe(true);
  });

  it('accepts lower-case keywords', () => {
    expect(matches('state in ("OPEN")', pr)).toBe(true);
    expect(matches('state not in ("OPEN")', pr)).toBe(false);
  });
});

describe('BBQL AND, OR and parentheses', () => {
  const q = 'a = 1 OR b = 1 AND c = 1';

  it('AND binds tighter than OR', () => {
    // a OR (b AND c): true when a alone holds; (a OR b) AND c would be false.
    expect(matches(q, { a: 1, b: 0, c: 0 })).toBe(true);
    expect(matches(q, { a: 0, b: 1, c: 0 })).toBe(false);
    expect(matches(q, { a: 0, b: 1, c: 1 })).toBe(true);
    expect(parseBbql(q)).toMatchObject({ type: 'or', right: { type: 'and' } });
  });

  it('parentheses override precedence', () => {
    const grouped = '(a = 1 OR b = 1) AND c = 1';
    expect(matches(grouped, { a: 1, b: 0, c: 0 })).toBe(false);
    expect(matches(grouped, { a: 1, b: 0, c: 1 })).toBe(true);
    expect(matches('((a = 1))', { a: 1 })).toBe(true);
  });

  it('keywords are case-insensitive', () => {
    expect(matches('a = 1 and b = 1', { a: 1, b: 1 })).toBe(true);
    expect(matches('a = 1 And b = 1', { a: 1, b: 0 })).toBe(false);
    expect(matches('a = 2 or b = 1', { a: 1, b: 1 })).toBe(true);
  });

  it('needs no spaces around operators', () => {
    expect(matches('state="OPEN"AND(id>=42)', pr)).toBe(true);
  });
});

describe('BBQL datetimes', () => {
  const at = (updated_on: string) => ({ updated_on });

  it('reads a literal without offset as UTC', () => {
    expect(matches('updated_on > 2026-01-01T00:00:00', at('2026-01-01T00:00:01+00:00'))).toBe(true);
    expect(matches('updated_on > 2026-01-01T00:00:00', at('2025-12-31T23:59:59+00:00'))).toBe(false);
  });

  it('applies an explicit offset, Z, or a date alone (midnight UTC)', () => {
    // 2026-01-01T00:00:00-05:00 is 05:00 UTC.
    expect(matches('updated_on < 2026-01-01T00:00:00-05:00', at('2026-01-01T04:59:59+00:00'))).toBe(true);
    expect(matches('updated_on < 2026-01-01T00:00:00-05:00', at('2026-01-01T05:00:00+00:00'))).toBe(false);
    expect(matches('updated_on >= 2026-01-01T05:30:00+05:30', at('2026-01-01T00:00:00+00:00'))).toBe(true);
    expect(matches('updated_on >= 2026-01-01T05:30:01+05:30', at('2026-01-01T00:00:00+00:00'))).toBe(false);
    expect(matches('updated_on = 2026-01-01T00:00:00Z', at('2026-01-01T00:00:00+00:00'))).toBe(true);
    expect(matches('updated_on = 2026-01-01', at('2026-01-01T00:00:00.000000+00:00'))).toBe(true);
    expect(matches('updated_on > 2026-01-01', at('2026-01-01T00:00:00.000001+00:00'))).toBe(true);
  });

  it('compares instants, not text, with =', () => {
    expect(matches('updated_on = 2025-12-31T19:00:00-05:00', at('2026-01-01T00:00:00+00:00'))).toBe(true);
    expect(matches('updated_on != 2025-12-31T19:00:00-05:00', at('2026-01-01T00:00:00+00:00'))).toBe(false);
  });

  it('keeps microsecond order, which JS Date would lose', () => {
    expect(matches('updated_on > 2026-01-01T00:00:00.000001', pr)).toBe(true);
    expect(matches('updated_on > 2026-01-01T00:00:00.000002+00:00', pr)).toBe(false);
    expect(matches('updated_on = 2026-01-01T00:00:00.000002', pr)).toBe(true);
    expect(matches('updated_on > 2026-01-01T00:00:00.123', at('2026-01-01T00:00:00.123001+00:00'))).toBe(
      true,
    );
  });

  it('matches nothing when the record value is not a datetime', () => {
    expect(matches('title > 2000-01-01', pr)).toBe(false);
    expect(matches('id > 2000-01-01', pr)).toBe(false);
  });

  it('rejects a datetime whose unencoded + arrived as a space', () => {
    expect(errorOf('updated_on > 2026-01-01T00:00:00 00:00')).toBe(
      'Invalid query: invalid value "00:00" at position 33',
    );
  });

  it('rejects impossible dates and times', () => {
    expect(errorOf('updated_on > 2026-02-30')).toBe(
      'Invalid query: invalid value "2026-02-30" at position 13',
    );
    expect(errorOf('updated_on > 2026-01-01T24:00:00')).toMatch(/^Invalid query: invalid value/);
    expect(errorOf('updated_on > 2026-01-01T00:00:00+25:00')).toMatch(/^Invalid query: invalid value/);
    expect(errorOf('updated_on > 2026-01-01T')).toMatch(/^Invalid query: invalid value/);
  });
});

describe('BBQL errors', () => {
  it('names the missing piece and its position', () => {
    expect(errorOf('updated_on > ')).toBe(
      'Invalid query: expected a value after "updated_on >" at position 13',
    );
    expect(errorOf('updated_on > AND state = "OPEN"')).toBe(
      'Invalid query: expected a value after "updated_on >" at position 13',
    );
    expect(errorOf('state "OPEN"')).toBe('Invalid query: expected an operator after "state" at position 6');
    expect(errorOf('= "OPEN"')).toBe('Invalid query: expected a field name at position 0');
    expect(errorOf('(state = "OPEN"')).toBe(
      'Invalid query: expected ")" after "(state = "OPEN"" at position 15',
    );
    expect(errorOf('state = "OPEN" id = 1')).toBe(
      'Invalid query: expected AND, OR or the end of the query after "state = "OPEN"" at position 15',
    );
    expect(errorOf('state IN "OPEN"')).toMatch(/expected "\(" after IN .* at position 9$/);
    expect(errorOf('state IN ()')).toMatch(/expected a value .* at position 10$/);
    expect(errorOf('state IN ("A" "B")')).toMatch(/expected "," or "\)" .* at position 14$/);
    expect(errorOf('state NOT ("A")')).toMatch(/expected IN .* at position 10$/);
    expect(errorOf('a = 1 OR')).toMatch(/expected a field name .* at position 8$/);
  });

  it('rejects bad tokens', () => {
    expect(errorOf('state = "OPEN')).toBe('Invalid query: unterminated string at position 8');
    expect(errorOf('state # "OPEN"')).toBe('Invalid query: unexpected character "#" at position 6');
    expect(errorOf('state = OPEN')).toMatch(/expected a value .* at position 8$/);
    expect(errorOf('state = TRUE')).toMatch(/expected a value/);
    expect(errorOf('state = toString')).toMatch(/expected a value .* at position 8$/);
    expect(errorOf('id = 1e5')).toBe('Invalid query: invalid value "1e5" at position 5');
  });

  it('rejects operands an operator cannot use', () => {
    expect(errorOf('title ~ 5')).toBe('Invalid query: operator ~ needs a string value at position 8');
    expect(errorOf('closed_by > null')).toBe(
      'Invalid query: operator > cannot compare with null at position 12',
    );
    expect(errorOf('draft <= true')).toMatch(/operator <= cannot compare with a boolean/);
  });

  it('rejects a field outside allowedFields, also inside IN', () => {
    const allowed = new Set(['updated_on', 'state', 'destination.branch.name']);
    expect(errorOf('foo = 1', allowed)).toBe('Invalid field name: "foo"');
    expect(errorOf('state = "OPEN" AND destination.branch = "x"', allowed)).toBe(
      'Invalid field name: "destination.branch"',
    );
    expect(errorOf('title IN ("a")', allowed)).toBe('Invalid field name: "title"');
    expect(() => parseBbql('destination.branch.name = "main" AND state IN ("OPEN")', allowed)).not.toThrow();
  });

  it('compileBbql throws at compile time, not per record', () => {
    expect(() => compileBbql('state = ')).toThrow(BbqlError);
  });
});

describe('evaluateBbql', () => {
  it('evaluates a parsed expression repeatedly and on non-objects', () => {
    const expr = parseBbql('state = "OPEN"');
    expect(evaluateBbql(expr, pr)).toBe(true);
    expect(evaluateBbql(expr, { ...pr, state: 'MERGED' })).toBe(false);
    expect(evaluateBbql(expr, null)).toBe(false);
    expect(evaluateBbql(expr, ['OPEN'])).toBe(false);
  });
});
