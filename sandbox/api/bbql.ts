// Bitbucket Query Language (the `q=` parameter): a small recursive-descent parser and an evaluator
// over the API's JSON representation. Grammar (AND binds tighter than OR):
//   query      := or EOF
//   or         := and (OR and)*
//   and        := primary (AND primary)*
//   primary    := "(" or ")" | comparison
//   comparison := FIELD OP value | FIELD [NOT] IN "(" value ("," value)* ")"
//   value      := STRING | NUMBER | DATETIME | true | false | null

/** A query the API rejects with 400; the message is meant for the response body. */
export class BbqlError extends Error {
  override name = 'BbqlError';
}

export type CompareOp = '=' | '!=' | '~' | '!~' | '>' | '>=' | '<' | '<=';

export type BbqlValue =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  /** `micros`: microseconds since the Unix epoch, so sub-millisecond order survives. */
  | { kind: 'datetime'; text: string; micros: number };

export type BbqlExpr =
  | { type: 'and' | 'or'; left: BbqlExpr; right: BbqlExpr }
  | { type: 'compare'; field: string; op: CompareOp; value: BbqlValue }
  | { type: 'in'; field: string; negated: boolean; values: BbqlValue[] };

// ---------------------------------------------------------------------------------------------
// Datetimes

// Time, fraction and offset are optional; an offset needs a time. No offset means UTC.
const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Microseconds since the epoch for an ISO-8601 date or datetime, or undefined if `text` is not one.
 * Parsed by hand because JS Date drops everything below the millisecond.
 */
function parseInstant(text: string): number | undefined {
  const m = DATETIME.exec(text);
  if (!m) return undefined;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = m
    .slice(1, 7)
    .map((part) => Number(part ?? 0));
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const midnight = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  midnight.setUTCFullYear(year, month - 1, day);
  // Rolled over into another month: the day (or month) does not exist.
  if (midnight.getUTCMonth() !== month - 1 || midnight.getUTCDate() !== day) return undefined;
  const offsetMinutes = parseOffset(m[8]);
  if (offsetMinutes === undefined) return undefined;
  const fraction = Number((m[7] ?? '').padEnd(6, '0').slice(0, 6));
  const seconds = midnight.getTime() / 1000 + ((hour * 60 + minute - offsetMinutes) * 60 + second);
  return seconds * 1_000_000 + fraction;
}

function parseOffset(offset: string | undefined): number | undefined {
  if (offset === undefined || offset === 'Z') return 0;
  const digits = offset.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || 0);
  if (hours > 23 || minutes > 59) return undefined;
  return (offset.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

// ---------------------------------------------------------------------------------------------
// Lexer

type Token =
  | { kind: 'word'; text: string; pos: number }
  | { kind: 'value'; value: BbqlValue; pos: number }
  | { kind: 'op'; op: CompareOp; pos: number }
  | { kind: '(' | ')' | ',' | 'eof'; pos: number };

const WORD = /[A-Za-z_][A-Za-z0-9_.]*/y;
// Numbers and datetimes are read as one run, then classified; a run that is neither is an error.
const LITERAL_RUN = /-?[0-9][A-Za-z0-9_.:+-]*/y;
const NUMBER = /^-?\d+(\.\d+)?$/;
const OPS: readonly CompareOp[] = ['!=', '!~', '>=', '<=', '=', '~', '>', '<'];

function tokenize(q: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < q.length) {
    const ch = q[pos] as string;
    if (/\s/.test(ch)) {
      pos++;
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: ch, pos });
      pos++;
    } else {
      const { token, end } = ch === '"' ? readString(q, pos) : readRun(q, pos);
      tokens.push(token);
      pos = end;
    }
  }
  tokens.push({ kind: 'eof', pos: q.length });
  return tokens;
}

type Lexed = { token: Token; end: number };

function matchAt(re: RegExp, q: string, pos: number): string {
  re.lastIndex = pos;
  return re.exec(q)?.[0] ?? '';
}

/** An operator, a word (field name or keyword), a number or an unquoted datetime. */
function readRun(q: string, pos: number): Lexed {
  const op = OPS.find((candidate) => q.startsWith(candidate, pos));
  if (op) return { token: { kind: 'op', op, pos }, end: pos + op.length };
  const word = matchAt(WORD, q, pos);
  if (word) return { token: { kind: 'word', text: word, pos }, end: pos + word.length };
  const run = matchAt(LITERAL_RUN, q, pos);
  if (!run) throw syntaxError(`unexpected character "${q[pos]}"`, pos);
  return { token: { kind: 'value', value: classifyLiteral(run, pos), pos }, end: pos + run.length };
}

function classifyLiteral(run: string, pos: number): BbqlValue {
  if (NUMBER.test(run)) return { kind: 'number', value: Number(run) };
  const micros = parseInstant(run);
  if (micros === undefined) throw syntaxError(`invalid value "${run}"`, pos);
  return { kind: 'datetime', text: run, micros };
}

/** A double-quoted string; a backslash makes the next character literal (`\"`, `\\`). */
function readString(q: string, start: number): Lexed {
  let value = '';
  for (let pos = start + 1; pos < q.length; pos++) {
    const ch = q[pos];
    if (ch === '"')
      return { token: { kind: 'value', value: { kind: 'string', value }, pos: start }, end: pos + 1 };
    if (ch === '\\') pos++;
    value += q[pos] ?? '';
  }
  throw syntaxError('unterminated string', start);
}

function syntaxError(problem: string, pos: number): BbqlError {
  return new BbqlError(`Invalid query: ${problem} at position ${pos}`);
}

// ---------------------------------------------------------------------------------------------
// Parser

const KEYWORDS = new Set(['AND', 'OR', 'IN', 'NOT']);
// A Map, not an object literal, so `constructor` or `toString` is not a value.
const LITERAL_WORDS: ReadonlyMap<string, BbqlValue> = new Map<string, BbqlValue>([
  ['true', { kind: 'boolean', value: true }],
  ['false', { kind: 'boolean', value: false }],
  ['null', { kind: 'null' }],
]);

class Parser {
  private index = 0;

  constructor(
    private readonly q: string,
    private readonly tokens: Token[],
    private readonly allowedFields: ReadonlySet<string> | undefined,
  ) {}

  parseQuery(): BbqlExpr {
    const expr = this.parseOr();
    if (this.peek().kind !== 'eof') throw this.expected('AND, OR or the end of the query');
    return expr;
  }

  private parseOr(): BbqlExpr {
    let left = this.parseAnd();
    while (this.acceptKeyword('OR')) left = { type: 'or', left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): BbqlExpr {
    let left = this.parsePrimary();
    while (this.acceptKeyword('AND')) left = { type: 'and', left, right: this.parsePrimary() };
    return left;
  }

  private parsePrimary(): BbqlExpr {
    if (this.peek().kind === '(') {
      this.index++;
      const inner = this.parseOr();
      this.expect(')', '")"');
      return inner;
    }
    return this.parseComparison();
  }

  private parseComparison(): BbqlExpr {
    const field = this.parseField();
    if (this.acceptKeyword('IN')) return { type: 'in', field, negated: false, values: this.parseList() };
    if (this.acceptKeyword('NOT')) {
      if (!this.acceptKeyword('IN')) throw this.expected('IN');
      return { type: 'in', field, negated: true, values: this.parseList() };
    }
    const token = this.peek();
    if (token.kind !== 'op') throw this.expected('an operator');
    this.index++;
    const value = this.parseValue();
    checkOperand(token.op, value, this.peekBack().pos);
    return { type: 'compare', field, op: token.op, value };
  }

  private parseField(): string {
    const token = this.peek();
    if (token.kind !== 'word' || isKeyword(token.text) || !/^\w+(\.\w+)*$/.test(token.text)) {
      throw this.expected('a field name');
    }
    if (this.allowedFields && !this.allowedFields.has(token.text)) {
      throw new BbqlError(`Invalid field name: "${token.text}"`);
    }
    this.index++;
    return token.text;
  }

  private parseList(): BbqlValue[] {
    this.expect('(', '"(" after IN');
    const values = [this.parseValue()];
    while (this.peek().kind === ',') {
      this.index++;
      values.push(this.parseValue());
    }
    this.expect(')', '"," or ")"');
    return values;
  }

  private parseValue(): BbqlValue {
    const token = this.peek();
    const value =
      token.kind === 'value'
        ? token.value
        : token.kind === 'word'
          ? LITERAL_WORDS.get(token.text)
          : undefined;
    if (!value) throw this.expected('a value');
    this.index++;
    return value;
  }

  private peek(): Token {
    // The lexer always ends the list with an eof token, and the parser never moves past it.
    return this.tokens[this.index] as Token;
  }

  private peekBack(): Token {
    return this.tokens[this.index - 1] as Token;
  }

  private acceptKeyword(keyword: string): boolean {
    const token = this.peek();
    if (token.kind !== 'word' || token.text.toUpperCase() !== keyword) return false;
    this.index++;
    return true;
  }

  private expect(kind: '(' | ')', what: string): void {
    if (this.peek().kind !== kind) throw this.expected(what);
    this.index++;
  }

  private expected(what: string): BbqlError {
    const { pos } = this.peek();
    const before = this.q.slice(0, pos).trim();
    const context = before ? ` after "${before.length > 40 ? `…${before.slice(-40)}` : before}"` : '';
    return syntaxError(`expected ${what}${context}`, pos);
  }
}

function isKeyword(word: string): boolean {
  return KEYWORDS.has(word.toUpperCase());
}

// Rejected up front rather than silently matching nothing, so a client sees its mistake.
function checkOperand(op: CompareOp, value: BbqlValue, pos: number): void {
  if ((op === '~' || op === '!~') && value.kind !== 'string') {
    throw syntaxError(`operator ${op} needs a string value`, pos);
  }
  if (op.startsWith('<') || op.startsWith('>')) {
    if (value.kind === 'null' || value.kind === 'boolean') {
      throw syntaxError(
        `operator ${op} cannot compare with ${value.kind === 'null' ? 'null' : 'a boolean'}`,
        pos,
      );
    }
  }
}

/** Parses a `q=` query. `allowedFields`, when given, lists the dotted field paths the endpoint can filter on. */
export function parseBbql(q: string, allowedFields?: ReadonlySet<string>): BbqlExpr {
  return new Parser(q, tokenize(q), allowedFields).parseQuery();
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** Whether `record` (the API's JSON representation, without the `values.` envelope prefix) matches. */
export function evaluateBbql(expr: BbqlExpr, record: unknown): boolean {
  switch (expr.type) {
    case 'and':
      return evaluateBbql(expr.left, record) && evaluateBbql(expr.right, record);
    case 'or':
      return evaluateBbql(expr.left, record) || evaluateBbql(expr.right, record);
    case 'in': {
      const actual = lookup(record, expr.field);
      return expr.values.some((value) => equals(actual, value)) !== expr.negated;
    }
    case 'compare':
      return compare(lookup(record, expr.field), expr.op, expr.value);
  }
}

export function compileBbql(q: string, allowedFields?: ReadonlySet<string>): (record: unknown) => boolean {
  const expr = parseBbql(q, allowedFields);
  return (record) => evaluateBbql(expr, record);
}

/** Walks a dotted path through nested objects; arrays are not walked, so a path through one is missing. */
function lookup(record: unknown, field: string): unknown {
  let current = record;
  for (const key of field.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

// Negated operators are the plain negation, so a missing field matches `!=`, `!~` and NOT IN.
function compare(actual: unknown, op: CompareOp, value: BbqlValue): boolean {
  switch (op) {
    case '=':
      return equals(actual, value);
    case '!=':
      return !equals(actual, value);
    case '~':
      return contains(actual, value);
    case '!~':
      return !contains(actual, value);
    default: {
      const order = ordering(actual, value);
      if (order === undefined) return false;
      if (op === '>') return order > 0;
      if (op === '>=') return order >= 0;
      if (op === '<') return order < 0;
      return order <= 0;
    }
  }
}

function equals(actual: unknown, value: BbqlValue): boolean {
  if (value.kind === 'null') return actual === undefined || actual === null;
  if (value.kind === 'boolean') return actual === value.value;
  return ordering(actual, value) === 0;
}

function contains(actual: unknown, value: BbqlValue): boolean {
  return (
    value.kind === 'string' &&
    typeof actual === 'string' &&
    actual.toLowerCase().includes(value.value.toLowerCase())
  );
}

/** Sign of `actual - value`, or undefined when the two cannot be compared (missing field, other type). */
function ordering(actual: unknown, value: BbqlValue): number | undefined {
  if (value.kind === 'number')
    return typeof actual === 'number' ? Math.sign(actual - value.value) : undefined;
  if (typeof actual !== 'string') return undefined;
  if (value.kind === 'string') return actual < value.value ? -1 : actual > value.value ? 1 : 0;
  if (value.kind !== 'datetime') return undefined;
  const micros = parseInstant(actual);
  return micros === undefined ? undefined : Math.sign(micros - value.micros);
}

// ---------------------------------------------------------------------------------------------
// Sorting

/**
 * The order of two field values for `sort=`: numbers by value, timestamps by the instant they name
 * (`…19.14397Z` is after `…19.143Z`, though not as text), other values as text; missing values last.
 */
export function sortOrder(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return 1;
  if (b === undefined || b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') {
    const x = parseInstant(a);
    const y = parseInstant(b);
    if (x !== undefined && y !== undefined && x !== y) return x - y;
  }
  return String(a) < String(b) ? -1 : 1;
}
