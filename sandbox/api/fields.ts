// Partial responses (the `fields=` parameter).
//
// Every path in the response is decided by the winning rule among those naming it or one of its
// ancestors: more non-wildcard segments wins, then the later rule. With no such rule a path follows
// its parent, except that a default-hidden path is left out; the root follows the mode (everything,
// or nothing when the spec has a bare path). Arrays are transparent: `values.id` is every element's id.
// The spec is compiled once into a trie of rules; walking the response then only follows trie nodes,
// and per-key decisions are memoised so a page of 100 objects decides each key once.

const WILDCARD = '*';

interface Rule {
  include: boolean;
  /** Number of non-wildcard segments. */
  specificity: number;
  /** Position in the spec; the later rule wins a tie. */
  order: number;
}

interface TrieNode {
  children: Map<string, TrieNode>;
  /** The rule whose pattern ends here (the later one when repeated). */
  rule?: Rule;
  hidden: boolean;
  // What lies strictly below, so a subtree with nothing to change is copied by reference.
  includeBelow: boolean;
  excludeBelow: boolean;
  hiddenBelow: boolean;
}

function newNode(): TrieNode {
  return { children: new Map(), hidden: false, includeBelow: false, excludeBelow: false, hiddenBelow: false };
}

/** Creates the nodes for `segments`, calling `mark` on each proper ancestor; returns the last node. */
function insert(root: TrieNode, segments: readonly string[], mark: (ancestor: TrieNode) => void): TrieNode {
  let node = root;
  for (const segment of segments) {
    mark(node);
    let child = node.children.get(segment);
    if (!child) {
      child = newNode();
      node.children.set(segment, child);
    }
    node = child;
  }
  return node;
}

function outranks(rule: Rule, other: Rule | undefined): boolean {
  if (!other) return true;
  return (
    rule.specificity > other.specificity ||
    (rule.specificity === other.specificity && rule.order > other.order)
  );
}

/** The decision for one path of the response, shared by every array element at that path. */
class PathState {
  /** The path is kept as a whole (or, when `partial`, by default for its children). */
  readonly include: boolean;
  /** Some descendant is decided differently, so the value must be rebuilt child by child. */
  readonly partial: boolean;
  private readonly children = new Map<string, PathState>();

  constructor(
    private readonly nodes: readonly TrieNode[],
    private readonly winner: Rule | undefined,
    inherited: boolean,
  ) {
    const hidden = nodes.some((node) => node.hidden);
    this.include = winner ? winner.include : inherited && !hidden;
    this.partial = nodes.some((node) =>
      this.include ? node.excludeBelow || node.hiddenBelow : node.includeBelow,
    );
  }

  child(key: string): PathState {
    let state = this.children.get(key);
    if (!state) {
      state = this.computeChild(key);
      this.children.set(key, state);
    }
    return state;
  }

  private computeChild(key: string): PathState {
    const nodes: TrieNode[] = [];
    let winner = this.winner;
    for (const node of this.nodes) {
      for (const segment of key === WILDCARD ? [key] : [key, WILDCARD]) {
        const next = node.children.get(segment);
        if (!next) continue;
        nodes.push(next);
        if (next.rule && outranks(next.rule, winner)) winner = next.rule;
      }
    }
    return new PathState(nodes, winner, this.include);
  }
}

function compile(spec: string, hidden: readonly string[]): PathState {
  const root = newNode();
  let onlyListed = false;
  spec.split(',').forEach((token, order) => {
    if (token === '') return;
    const sign = token[0];
    const prefixed = sign === '+' || sign === '-';
    // A bare path means "only what is listed"; a leading space (an unencoded `+`) is such a path too,
    // and matches nothing, as on the real API.
    if (!prefixed) onlyListed = true;
    const segments = (prefixed ? token.slice(1) : token).split('.');
    const include = sign !== '-';
    const rule = { include, order, specificity: segments.filter((s) => s !== WILDCARD).length };
    insert(root, segments, (ancestor) => {
      if (include) ancestor.includeBelow = true;
      else ancestor.excludeBelow = true;
    }).rule = rule;
  });
  for (const path of hidden) {
    insert(root, path.split('.'), (ancestor) => {
      ancestor.hiddenBelow = true;
    }).hidden = true;
  }
  return new PathState([root], undefined, !onlyListed);
}

/**
 * The projection of `value` at a path, or undefined to leave it out. `keepEmpty` is false for object
 * members: an excluded object kept only as the way to a more specific include is dropped if nothing
 * inside it was selected. Array elements and the root stay, so element counts are preserved.
 */
function emit(value: unknown, state: PathState, keepEmpty: boolean): unknown {
  // A scalar (or null) where the rules reach further down has no children to pick from.
  if (!state.partial || typeof value !== 'object' || value === null) return state.include ? value : undefined;
  if (Array.isArray(value)) {
    return value.map((element) => emit(element, state, true)).filter((element) => element !== undefined);
  }
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const projected = emit(child, state.child(key), false);
    if (projected !== undefined) out[key] = projected;
  }
  return keepEmpty || state.include || Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Applies a `fields=` spec to `full`, the complete representation including the default-hidden
 * `hidden` paths (dotted, without array indices, e.g. `values.participants`). `full` is not
 * modified; the result shares the subtrees it keeps whole with it.
 */
export function projectFields(
  full: unknown,
  spec: string | undefined,
  hidden: readonly string[] = [],
): unknown {
  return emit(full, compile(spec ?? '', hidden), true);
}
