// The model graph: an edge from each model to every model it refs. Topological order is stable
// (among models that are ready together, alphabetical); a cycle is an error naming it; selection
// follows dbt's `model`, `+model` (and its ancestors), `model+` (and its descendants).
import { closeNames, ProjectError, UnknownModelError } from './errors';

export interface Dag {
  /** Every model, alphabetical. */
  readonly nodes: readonly string[];
  /** model → the models it refs. */
  readonly parents: ReadonlyMap<string, ReadonlySet<string>>;
  /** model → the models that ref it. */
  readonly children: ReadonlyMap<string, ReadonlySet<string>>;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Builds the graph from each model's refs; a ref to a model not in `refs` is an error. */
export function buildDag(refs: ReadonlyMap<string, readonly string[]>): Dag {
  const nodes = [...refs.keys()].sort(byName);
  const parents = new Map<string, Set<string>>(nodes.map((n) => [n, new Set()]));
  const children = new Map<string, Set<string>>(nodes.map((n) => [n, new Set()]));
  for (const node of nodes) {
    for (const parent of refs.get(node) ?? []) {
      const back = children.get(parent);
      if (!back) throw new ProjectError(`model "${node}" refers to unknown model "${parent}"`);
      parents.get(node)?.add(parent);
      back.add(node);
    }
  }
  return { nodes, parents, children };
}

/** A cycle among `remaining` (every one of which has a parent in `remaining`), as a → … → a. */
function findCycle(dag: Dag, remaining: ReadonlySet<string>): string[] {
  const start = [...remaining].sort(byName)[0] as string;
  const path: string[] = [];
  const seenAt = new Map<string, number>();
  let node = start;
  while (!seenAt.has(node)) {
    seenAt.set(node, path.length);
    path.push(node);
    const next = [...(dag.parents.get(node) ?? [])].filter((p) => remaining.has(p)).sort(byName)[0];
    if (next === undefined) throw new Error(`internal: ${node} has no remaining parent`);
    node = next;
  }
  const cycle = path.slice(seenAt.get(node));
  // Start at the cycle's alphabetically first model, so the message is the same however found.
  const first = cycle.indexOf([...cycle].sort(byName)[0] as string);
  const rotated = [...cycle.slice(first), ...cycle.slice(0, first)];
  return [...rotated, rotated[0] as string];
}

/** Every model, parents before children; throws `Cycle in models: a → b → a` on a cycle. */
export function topologicalOrder(dag: Dag): string[] {
  const waiting = new Map(dag.nodes.map((n) => [n, dag.parents.get(n)?.size ?? 0]));
  const ready = dag.nodes.filter((n) => waiting.get(n) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort(byName);
    const node = ready.shift() as string;
    order.push(node);
    for (const child of dag.children.get(node) ?? []) {
      const left = (waiting.get(child) ?? 0) - 1;
      waiting.set(child, left);
      if (left === 0) ready.push(child);
    }
  }
  if (order.length < dag.nodes.length) {
    const done = new Set(order);
    const remaining = new Set(dag.nodes.filter((n) => !done.has(n)));
    throw new ProjectError(`Cycle in models: ${findCycle(dag, remaining).join(' → ')}`);
  }
  return order;
}

function walk(start: string, next: ReadonlyMap<string, ReadonlySet<string>>, into: Set<string>): void {
  const stack = [start];
  while (stack.length > 0) {
    const node = stack.pop() as string;
    for (const n of next.get(node) ?? []) {
      if (!into.has(n)) {
        into.add(n);
        stack.push(n);
      }
    }
  }
}

/**
 * The models the selectors pick (their union): `name`, `+name` (with its ancestors), `name+`
 * (with its descendants), `+name+` (both). No selectors: every model. Returned in `dag.nodes` order.
 */
export function selectModels(dag: Dag, selectors: readonly string[] | undefined): Set<string> {
  if (!selectors || selectors.length === 0) return new Set(dag.nodes);
  const picked = new Set<string>();
  for (const raw of selectors) {
    const selector = raw.trim();
    const up = selector.startsWith('+');
    const down = selector.endsWith('+') && selector.length > 1;
    const name = selector.slice(up ? 1 : 0, down ? -1 : undefined);
    if (!dag.parents.has(name))
      throw new UnknownModelError(
        name,
        `unknown model "${name}" in selector "${raw}"`,
        closeNames(name, dag.nodes),
      );
    picked.add(name);
    if (up) walk(name, dag.parents, picked);
    if (down) walk(name, dag.children, picked);
  }
  return new Set(dag.nodes.filter((n) => picked.has(n)));
}
