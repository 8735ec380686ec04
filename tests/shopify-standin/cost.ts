// Calculated query cost and the leaky bucket, after shopify.dev "GraphQL Admin API rate limits":
// scalars and enums cost 0, objects 1, a connection 2 plus its page size times the cost of one
// node, a mutation 10. The requested cost is charged up front; the difference to the actual cost
// (from the objects really returned) is refunded after execution.
import { Kind, getNamedType, isObjectType, isInterfaceType } from "graphql";
import type {
  FieldNode,
  FragmentDefinitionNode,
  GraphQLCompositeType,
  GraphQLField,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
  ValueNode,
} from "graphql";

export const MAX_SINGLE_QUERY_COST = 1000;
const MUTATION_COST = 10;

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export class LeakyBucket {
  private available: number;
  private last: number;
  maximumAvailable: number;
  restoreRate: number;
  private readonly now: () => number;

  constructor(maximumAvailable: number, restoreRate: number, now: () => number = () => Date.now()) {
    this.maximumAvailable = maximumAvailable;
    this.restoreRate = restoreRate;
    this.available = maximumAvailable;
    this.now = now;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.available = Math.min(
      this.maximumAvailable,
      this.available + ((t - this.last) / 1000) * this.restoreRate,
    );
    this.last = t;
  }

  /** Takes `cost` points if the bucket holds them; returns false (and takes nothing) otherwise. */
  take(cost: number): boolean {
    this.refill();
    if (cost > this.available) return false;
    this.available -= cost;
    return true;
  }

  refund(points: number): void {
    this.refill();
    this.available = Math.min(this.maximumAvailable, this.available + points);
  }

  status(): ThrottleStatus {
    this.refill();
    return {
      maximumAvailable: this.maximumAvailable,
      currentlyAvailable: Math.floor(this.available),
      restoreRate: this.restoreRate,
    };
  }

  configure(maximumAvailable: number, restoreRate: number): void {
    this.refill();
    this.maximumAvailable = maximumAvailable;
    this.restoreRate = restoreRate;
    this.available = Math.min(this.available, maximumAvailable);
  }
}

function isConnection(typeName: string): boolean {
  return typeName.endsWith("Connection");
}

function argumentValue(node: ValueNode | undefined, variables: Record<string, unknown>): unknown {
  if (!node) return undefined;
  if (node.kind === Kind.INT) return Number(node.value);
  if (node.kind === Kind.VARIABLE) return variables[node.name.value];
  return undefined;
}

function pageSize(field: FieldNode, variables: Record<string, unknown>): number {
  for (const name of ["first", "last"]) {
    const arg = field.arguments?.find((a) => a.name.value === name);
    const value = argumentValue(arg?.value, variables);
    if (typeof value === "number") return value;
  }
  return 0;
}

interface Walk {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

function fieldsOf(selection: SelectionSetNode, walk: Walk, out: FieldNode[] = []): FieldNode[] {
  for (const s of selection.selections) {
    if (s.kind === Kind.FIELD) out.push(s);
    else if (s.kind === Kind.INLINE_FRAGMENT) fieldsOf(s.selectionSet, walk, out);
    else {
      const fragment = walk.fragments[s.name.value];
      if (fragment) fieldsOf(fragment.selectionSet, walk, out);
    }
  }
  return out;
}

function fieldDef(
  parent: GraphQLCompositeType,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  if (isObjectType(parent) || isInterfaceType(parent)) return parent.getFields()[name];
  return undefined;
}

/** Requested cost of a selection on `parent`. */
function requested(selection: SelectionSetNode, parent: GraphQLCompositeType, walk: Walk): number {
  let total = 0;
  for (const field of fieldsOf(selection, walk)) {
    const def = fieldDef(parent, field.name.value);
    if (!def || !field.selectionSet) continue;
    const type = getNamedType(def.type) as GraphQLCompositeType;
    if (isConnection(type.name)) {
      const nodeCost = connectionNodeCost(field.selectionSet, type, walk);
      total += 2 + pageSize(field, walk.variables) * nodeCost;
    } else {
      total += 1 + requested(field.selectionSet, type, walk);
    }
  }
  return total;
}

/** Cost of one node of a connection: the largest of its `edges.node` / `nodes` selections. */
function connectionNodeCost(
  selection: SelectionSetNode,
  connection: GraphQLCompositeType,
  walk: Walk,
): number {
  let cost = 0;
  for (const field of fieldsOf(selection, walk)) {
    const def = fieldDef(connection, field.name.value);
    if (!def || !field.selectionSet) continue;
    const type = getNamedType(def.type) as GraphQLCompositeType;
    if (field.name.value === "nodes")
      cost = Math.max(cost, 1 + requested(field.selectionSet, type, walk));
    if (field.name.value === "edges") {
      for (const inner of fieldsOf(field.selectionSet, walk)) {
        const innerDef = fieldDef(type, inner.name.value);
        if (inner.name.value === "node" && innerDef && inner.selectionSet) {
          const nodeType = getNamedType(innerDef.type) as GraphQLCompositeType;
          cost = Math.max(cost, 1 + requested(inner.selectionSet, nodeType, walk));
        }
      }
    }
  }
  return cost;
}

/** Actual cost: the same rules over the data really returned. */
function actual(
  selection: SelectionSetNode,
  parent: GraphQLCompositeType,
  data: unknown,
  walk: Walk,
): number {
  if (data === null || typeof data !== "object") return 0;
  if (Array.isArray(data))
    return data.reduce((sum: number, item) => sum + actual(selection, parent, item, walk), 0);
  const record = data as Record<string, unknown>;
  let total = 0;
  for (const field of fieldsOf(selection, walk)) {
    const def = fieldDef(parent, field.name.value);
    if (!def || !field.selectionSet) continue;
    const type = getNamedType(def.type) as GraphQLCompositeType;
    const value = record[field.alias?.value ?? field.name.value];
    if (value === null || value === undefined) continue;
    if (isConnection(type.name)) {
      total +=
        2 + connectionActual(field.selectionSet, type, value as Record<string, unknown>, walk);
    } else if (Array.isArray(value)) {
      total += value.reduce(
        (sum: number, item) =>
          sum + 1 + actual(field.selectionSet as SelectionSetNode, type, item, walk),
        0,
      );
    } else {
      total += 1 + actual(field.selectionSet, type, value, walk);
    }
  }
  return total;
}

function connectionActual(
  selection: SelectionSetNode,
  connection: GraphQLCompositeType,
  value: Record<string, unknown>,
  walk: Walk,
): number {
  let best = 0;
  for (const field of fieldsOf(selection, walk)) {
    const def = fieldDef(connection, field.name.value);
    const items = value[field.alias?.value ?? field.name.value];
    if (!def || !field.selectionSet || !Array.isArray(items)) continue;
    const type = getNamedType(def.type) as GraphQLCompositeType;
    let cost = 0;
    if (field.name.value === "nodes") {
      for (const item of items) cost += 1 + actual(field.selectionSet, type, item, walk);
    } else if (field.name.value === "edges") {
      for (const edge of items) {
        for (const inner of fieldsOf(field.selectionSet, walk)) {
          const innerDef = fieldDef(type, inner.name.value);
          const node = (edge as Record<string, unknown>)[inner.alias?.value ?? inner.name.value];
          if (inner.name.value === "node" && innerDef && inner.selectionSet && node) {
            cost +=
              1 +
              actual(
                inner.selectionSet,
                getNamedType(innerDef.type) as GraphQLCompositeType,
                node,
                walk,
              );
          }
        }
      }
    }
    best = Math.max(best, cost);
  }
  return best;
}

export interface QueryCost {
  requested: number;
  actual(data: unknown): number;
}

export function queryCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): QueryCost {
  const walk: Walk = { schema, fragments, variables };
  if (operation.operation === "mutation") {
    const count = fieldsOf(operation.selectionSet, walk).length;
    return { requested: MUTATION_COST * count, actual: () => MUTATION_COST * count };
  }
  const root = schema.getQueryType();
  if (!root) return { requested: 0, actual: () => 0 };
  return {
    requested: requested(operation.selectionSet, root, walk),
    actual: (data) => actual(operation.selectionSet, root, data, walk),
  };
}
