// Validation and compilation of a bulk operation's inner query, with the restrictions of
// shopify.dev "Perform bulk operations with the GraphQL Admin API": at least one connection, at
// most five, nested at most two levels below the root, no top-level node/nodes, fields must
// exist; a nested connection's parent node must select `id`.
import {
  GraphQLError,
  Kind,
  getArgumentValues,
  getNamedType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  validate,
} from "graphql";
import type {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLField,
  GraphQLLeafType,
  GraphQLObjectType,
  GraphQLOutputType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
} from "graphql";
import { shopifyValidationMessage } from "./graphql-errors.ts";
import { bulkChildren, bulkRoots } from "./resolvers.ts";

export interface FieldPlan {
  key: string;
  def: GraphQLField<unknown, unknown> | null;
  args: Record<string, unknown>;
  typename?: string;
  leaf?: GraphQLLeafType;
  list: boolean;
  sub?: SelectionPlan;
}

export interface ConnectionPlan {
  key: string;
  /** `Type.field` in `bulkChildren`. */
  source: string;
  args: Record<string, unknown>;
  node: SelectionPlan;
}

export interface SelectionPlan {
  type: GraphQLObjectType;
  fields: FieldPlan[];
  connections: ConnectionPlan[];
}

export interface BulkPlan {
  root: string;
  rootArgs: Record<string, unknown>;
  node: SelectionPlan;
}

export type BulkQueryCheck = { ok: true; plan: BulkPlan } | { ok: false; messages: string[] };

const INVALID_PREFIX = "Invalid bulk query: ";

function isConnectionType(type: GraphQLOutputType): boolean {
  return getNamedType(type).name.endsWith("Connection");
}

interface Analysis {
  connections: number;
  maxDepth: number;
  nodesSelections: string[];
  parentsWithoutId: string[];
  connectionInList: boolean;
}

function collectFields(
  selection: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  out: FieldNode[] = [],
): FieldNode[] {
  for (const s of selection.selections) {
    if (s.kind === Kind.FIELD) out.push(s);
    else if (s.kind === Kind.INLINE_FRAGMENT) collectFields(s.selectionSet, fragments, out);
    else {
      const fragment = fragments[s.name.value];
      if (fragment) collectFields(fragment.selectionSet, fragments, out);
    }
  }
  return out;
}

/** The `node` selection of a connection field (`edges { node { … } }`), if any. */
function nodeSelection(
  field: FieldNode,
  fragments: Record<string, FragmentDefinitionNode>,
): SelectionSetNode | undefined {
  if (!field.selectionSet) return undefined;
  for (const f of collectFields(field.selectionSet, fragments)) {
    if (f.name.value === "edges" && f.selectionSet) {
      for (const inner of collectFields(f.selectionSet, fragments)) {
        if (inner.name.value === "node" && inner.selectionSet) return inner.selectionSet;
      }
    }
  }
  return undefined;
}

function analyse(
  selection: SelectionSetNode,
  type: GraphQLObjectType,
  fragments: Record<string, FragmentDefinitionNode>,
  depth: number,
  inList: boolean,
  analysis: Analysis,
): void {
  const fields = collectFields(selection, fragments);
  for (const field of fields) {
    const def = type.getFields()[field.name.value];
    if (!def || !field.selectionSet) continue;
    const named = getNamedType(def.type);
    if (isConnectionType(def.type)) {
      analysis.connections += 1;
      analysis.maxDepth = Math.max(analysis.maxDepth, depth);
      if (inList) analysis.connectionInList = true;
      const usesNodes = collectFields(field.selectionSet, fragments).some(
        (f) => f.name.value === "nodes",
      );
      if (usesNodes) analysis.nodesSelections.push(field.name.value);
      if (depth > 0) {
        const hasId = fields.some((f) => f.name.value === "id" && !f.alias);
        if (!hasId) analysis.parentsWithoutId.push(field.name.value);
      }
      const node = nodeSelection(field, fragments);
      const nodeType = isObjectType(named) ? named.getFields().edges : undefined;
      const edgeType = nodeType ? getNamedType(nodeType.type) : undefined;
      const nodeDef = edgeType && isObjectType(edgeType) ? edgeType.getFields().node : undefined;
      const nodeNamed = nodeDef ? getNamedType(nodeDef.type) : undefined;
      if (node && nodeNamed && isObjectType(nodeNamed)) {
        analyse(node, nodeNamed, fragments, depth + 1, false, analysis);
      }
    } else if (isObjectType(named)) {
      const list = isListType(isNonNullType(def.type) ? def.type.ofType : def.type);
      analyse(field.selectionSet, named, fragments, depth, inList || list, analysis);
    }
  }
}

export function checkBulkQuery(schema: GraphQLSchema, query: string): BulkQueryCheck {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    const message = error instanceof GraphQLError ? error.message : String(error);
    return { ok: false, messages: [`${INVALID_PREFIX}${message}`] };
  }
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operations[0];
  if (!operation || operations.length > 1) {
    return {
      ok: false,
      messages: [`${INVALID_PREFIX}a bulk query must contain exactly one operation`],
    };
  }
  if (operation.operation !== "query") {
    return {
      ok: false,
      messages: ["Invalid operation type. Only `query` operations are supported."],
    };
  }
  const errors = validate(schema, document);
  if (errors.length > 0) {
    return {
      ok: false,
      messages: errors.map((e) => `${INVALID_PREFIX}${shopifyValidationMessage(e)}`),
    };
  }
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  }
  const queryType = schema.getQueryType();
  if (!queryType) return { ok: false, messages: [`${INVALID_PREFIX}no query type`] };

  const messages: string[] = [];
  const rootFields = collectFields(operation.selectionSet, fragments);
  const hasTopLevelNode = rootFields.some(
    (f) => f.name.value === "node" || f.name.value === "nodes",
  );
  const analysis: Analysis = {
    connections: 0,
    maxDepth: 0,
    nodesSelections: [],
    parentsWithoutId: [],
    connectionInList: false,
  };
  analyse(operation.selectionSet, queryType, fragments, 0, false, analysis);
  if (analysis.nodesSelections.length > 0) {
    messages.push(
      `All connection fields in a bulk query must select their contents using 'edges' > 'node', e.g: '${analysis.nodesSelections[0]} { edges { node {'. Selecting via 'nodes' is not supported. Invalid connection fields: '${analysis.nodesSelections.join("', '")}'.`,
    );
  }
  if (hasTopLevelNode) messages.push("Bulk queries cannot contain a top level `node` field.");
  if (analysis.maxDepth > 2) {
    messages.push("Bulk queries cannot contain connections with a nesting depth greater than 2.");
  }
  if (analysis.connections > 5)
    messages.push("Bulk queries cannot contain more than 5 connections.");
  if (analysis.parentsWithoutId.length > 0) {
    messages.push(
      `The parent 'node' field for a nested connection must select the 'id' field without an alias and must be of 'ID' return type. Connection fields without 'id': ${analysis.parentsWithoutId.join(", ")}.`,
    );
  }
  if (analysis.connectionInList) {
    messages.push(
      "Queries that contain a connection field within a list field are not currently supported.",
    );
  }
  if (
    analysis.connections === 0 &&
    (messages.length === 0 || (hasTopLevelNode && messages.length === 1))
  ) {
    messages.push("Bulk queries must contain at least one connection.");
  }
  if (messages.length > 0) return { ok: false, messages };

  const connectionRoots = rootFields.filter((f) => {
    const def = queryType.getFields()[f.name.value];
    return def !== undefined && isConnectionType(def.type);
  });
  const root = connectionRoots[0];
  if (!root || connectionRoots.length > 1 || rootFields.length > 1) {
    return {
      ok: false,
      messages: [
        `${INVALID_PREFIX}the stand-in runs bulk queries with exactly one top-level connection`,
      ],
    };
  }
  if (!bulkRoots[root.name.value]) {
    return {
      ok: false,
      messages: [
        `${INVALID_PREFIX}the stand-in supports bulk queries over ${Object.keys(bulkRoots).join(" and ")} only`,
      ],
    };
  }
  const rootDef = queryType.getFields()[root.name.value];
  const node = nodeSelection(root, fragments);
  if (!rootDef || !node) {
    return {
      ok: false,
      messages: [`${INVALID_PREFIX}the root connection must select edges { node { … } }`],
    };
  }
  try {
    const nodeType = connectionNodeType(rootDef.type);
    return {
      ok: true,
      plan: {
        root: root.name.value,
        rootArgs: getArgumentValues(rootDef, root, {}),
        node: compileSelection(nodeType, node, fragments),
      },
    };
  } catch (error) {
    return {
      ok: false,
      messages: [`${INVALID_PREFIX}${error instanceof Error ? error.message : String(error)}`],
    };
  }
}

function connectionNodeType(type: GraphQLOutputType): GraphQLObjectType {
  const connection = getNamedType(type);
  if (!isObjectType(connection)) throw new Error("not a connection");
  const edges = connection.getFields().edges;
  const edge = edges ? getNamedType(edges.type) : undefined;
  const node = edge && isObjectType(edge) ? edge.getFields().node : undefined;
  const nodeType = node ? getNamedType(node.type) : undefined;
  if (!nodeType || !isObjectType(nodeType)) throw new Error("not a connection");
  return nodeType;
}

function compileSelection(
  type: GraphQLObjectType,
  selection: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
): SelectionPlan {
  const plan: SelectionPlan = { type, fields: [], connections: [] };
  for (const field of collectFields(selection, fragments)) {
    const key = field.alias?.value ?? field.name.value;
    if (field.name.value === "__typename") {
      plan.fields.push({ key, def: null, args: {}, typename: type.name, list: false });
      continue;
    }
    const def = type.getFields()[field.name.value];
    if (!def) continue;
    const args = getArgumentValues(def, field, {});
    const named = getNamedType(def.type);
    const list = isListType(isNonNullType(def.type) ? def.type.ofType : def.type);
    if (isConnectionType(def.type)) {
      const source = `${type.name}.${def.name}`;
      const node = nodeSelection(field, fragments);
      if (!bulkChildren[source] || !node) {
        throw new Error(
          `the stand-in cannot expand the nested connection '${def.name}' on '${type.name}'`,
        );
      }
      plan.connections.push({
        key,
        source,
        args,
        node: compileSelection(connectionNodeType(def.type), node, fragments),
      });
    } else if (isLeafType(named)) {
      plan.fields.push({ key, def, args, leaf: named, list });
    } else if (isObjectType(named) && field.selectionSet) {
      plan.fields.push({
        key,
        def,
        args,
        list,
        sub: compileSelection(named, field.selectionSet, fragments),
      });
    } else {
      throw new Error(`the stand-in cannot select '${def.name}' on '${type.name}' in a bulk query`);
    }
  }
  return plan;
}
