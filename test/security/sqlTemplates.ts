// Finds the `${…}` in SQL template literals whose value is not provably safe SQL text. Safe:
//   - a value whose type is a number, a boolean or a string-literal union (a constant of our code);
//   - a call of a quoting or placeholder function (table, rawTable, schemaRef, quotePgIdent,
//     quoteBqIdent, mart, add);
//   - any other call whose text arguments (and text receiver) are all safe: a builder composing
//     safe parts (our functions are trusted to return SQL made of what they are given);
//   - a literal, or a template, conditional, concatenation, array or `.join` of safe parts, or a
//     `.map` whose arrow returns a safe expression;
//   - a const (or a property only ever assigned in its class) whose value is safe.
// Anything else (a function parameter, a `let`, text from a file) is reported with file:line.
// A template is SQL when its text reads like a statement or it is passed straight to query().
import ts from 'typescript';

export interface Interpolation {
  file: string;
  line: number;
  /** The expression's source text, whitespace collapsed. */
  expression: string;
}

const SQL_TEXT =
  /\b(select\b[\s\S]*\bfrom|insert\s+into|update\s[\s\S]*\bset\b|delete\s+from|merge\s|create\s+(or\s+replace\s+)?(temp(orary)?\s+)?(table|schema|view|index)|drop\s+(table|schema|view)|alter\s+(table|view|schema)|truncate\s|comment\s+on|where\b|order\s+by|limit\b)/i;
const QUERY_CALLS = new Set(['query', 'rows', 'copyFrom']);
const QUOTING_CALLS = new Set([
  'table',
  'rawTable',
  'schemaRef',
  'quotePgIdent',
  'quoteBqIdent',
  'mart',
  'add',
]);
const CONSTANT_TYPES =
  ts.TypeFlags.NumberLike |
  ts.TypeFlags.BigIntLike |
  ts.TypeFlags.BooleanLike |
  ts.TypeFlags.StringLiteral |
  ts.TypeFlags.Undefined |
  ts.TypeFlags.Null;
const TEXT_TYPES =
  ts.TypeFlags.String | ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.TemplateLiteral;

const calleeName = (call: ts.CallExpression) => {
  const callee = call.expression;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return ts.isIdentifier(callee) ? callee.text : '';
};

function templateText(node: ts.TemplateExpression): string {
  return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' ');
}

function isSqlTemplate(node: ts.TemplateExpression): boolean {
  const parent = node.parent;
  const passedToQuery =
    ts.isCallExpression(parent) && parent.arguments[0] === node && QUERY_CALLS.has(calleeName(parent));
  return passedToQuery || SQL_TEXT.test(templateText(node));
}

class SafetyProof {
  private readonly verdicts = new Map<ts.Node, boolean>();
  constructor(private readonly checker: ts.TypeChecker) {}

  safe(e: ts.Expression): boolean {
    const known = this.verdicts.get(e);
    if (known !== undefined) return known;
    this.verdicts.set(e, false); // a cycle proves nothing
    const verdict = this.prove(e);
    this.verdicts.set(e, verdict);
    return verdict;
  }

  private typeParts(e: ts.Expression): ts.Type[] {
    const type = this.checker.getTypeAtLocation(e);
    return type.isUnion() ? type.types : [type];
  }

  private prove(e: ts.Expression): boolean {
    if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e))
      return this.safe(e.expression);
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) || ts.isNumericLiteral(e)) return true;
    if (this.typeParts(e).every((t) => (t.flags & CONSTANT_TYPES) !== 0)) return true;
    if (ts.isTemplateExpression(e)) return e.templateSpans.every((s) => this.safe(s.expression));
    if (ts.isConditionalExpression(e)) return this.safe(e.whenTrue) && this.safe(e.whenFalse);
    if (ts.isBinaryExpression(e)) return this.safe(e.left) && this.safe(e.right);
    if (ts.isArrayLiteralExpression(e))
      return e.elements.every((el) => this.safe(ts.isSpreadElement(el) ? el.expression : el));
    if (ts.isCallExpression(e)) return this.safeCall(e);
    if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e)) return this.safeDeclarations(e);
    return false;
  }

  private safeCall(call: ts.CallExpression): boolean {
    const name = calleeName(call);
    if (QUOTING_CALLS.has(name)) return true;
    const callee = call.expression;
    if (name === 'join' && ts.isPropertyAccessExpression(callee))
      return this.safe(callee.expression) && call.arguments.every((a) => this.safe(a));
    if (name === 'map' && ts.isPropertyAccessExpression(callee)) {
      const fn = call.arguments[0];
      return fn !== undefined && ts.isArrowFunction(fn) && !ts.isBlock(fn.body) && this.safe(fn.body);
    }
    const isText = (a: ts.Expression) => this.typeParts(a).some((t) => (t.flags & TEXT_TYPES) !== 0);
    // A method of unproven text (`slug.trim()`) is as unproven as the text.
    const receiver = ts.isPropertyAccessExpression(callee) ? [callee.expression] : [];
    return [...receiver, ...call.arguments].every((a) => !isText(a) || this.safe(a));
  }

  private safeDeclarations(e: ts.Identifier | ts.PropertyAccessExpression): boolean {
    const declarations = this.checker.getSymbolAtLocation(e)?.declarations ?? [];
    return (
      declarations.length > 0 &&
      declarations.every((d) => {
        if (ts.isVariableDeclaration(d))
          return (
            (ts.getCombinedNodeFlags(d) & ts.NodeFlags.Const) !== 0 &&
            d.initializer !== undefined &&
            this.safe(d.initializer)
          );
        if (ts.isPropertyDeclaration(d)) {
          const values = d.initializer ? [d.initializer] : assignmentsInClass(d);
          return values.length > 0 && values.every((v) => this.safe(v));
        }
        return false;
      })
    );
  }
}

/** The right-hand sides of `this.<name> = …` in the property's class. */
function assignmentsInClass(property: ts.PropertyDeclaration): ts.Expression[] {
  const name = property.name.getText();
  const found: ts.Expression[] = [];
  const visit = (node: ts.Node) => {
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isPropertyAccessExpression(node.left) &&
      node.left.expression.kind === ts.SyntaxKind.ThisKeyword &&
      node.left.name.text === name
    )
      found.push(node.right);
    ts.forEachChild(node, visit);
  };
  visit(property.parent);
  return found;
}

/**
 * The unproven interpolations of SQL templates in `scan` (paths relative to `root`). `context`
 * files are parsed too, so the types of what `scan` imports are known; node_modules is not read.
 */
export function unprovenSqlInterpolations(root: string, scan: string[], context: string[]): Interpolation[] {
  const program = ts.createProgram([...scan, ...context], {
    noResolve: true,
    noEmit: true,
    strict: true,
    types: [],
    lib: ['lib.es2023.d.ts'],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
  });
  const proof = new SafetyProof(program.getTypeChecker());
  const found: Interpolation[] = [];
  for (const file of scan) {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`could not parse ${file}`);
    const visit = (node: ts.Node) => {
      if (ts.isTemplateExpression(node) && isSqlTemplate(node)) {
        for (const { expression } of node.templateSpans) {
          if (proof.safe(expression)) continue;
          found.push({
            file: file.slice(root.length + 1),
            line: source.getLineAndCharacterOfPosition(expression.getStart()).line + 1,
            expression: expression.getText().replace(/\s+/g, ' '),
          });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}
