/**
 * Between the store's graph and React Flow's props. The store is the source of truth;
 * React Flow's nodes are a view of it plus view-only state (selection, measured size,
 * a drag in progress), which a reload must keep.
 */
import type { Edge as FlowEdge, Node as FlowNode } from "@xyflow/react";
import type { Edge, JsonObject, Node, NodeInput } from "studio-store";

/** Every store node type renders with one component; its type is shown, not dispatched on. */
export const FLOW_NODE_TYPE = "studio";

export type StudioNodeData = { label: string; kind: string; data: JsonObject };
export type StudioFlowNode = FlowNode<StudioNodeData, typeof FLOW_NODE_TYPE>;

export function nodeLabel(n: Pick<Node, "type" | "data">): string {
  const label = n.data?.["label"];
  return typeof label === "string" && label !== "" ? label : n.type;
}

export function toFlowNode(n: NodeInput): StudioFlowNode {
  const node: StudioFlowNode = {
    id: n.id,
    type: FLOW_NODE_TYPE,
    position: { x: n.position.x, y: n.position.y },
    data: { label: nodeLabel(n), kind: n.type, data: n.data ?? {} },
  };
  if (n.width !== undefined) node.width = n.width;
  if (n.height !== undefined) node.height = n.height;
  if (n.hidden === true) node.hidden = true;
  if (n.locked === true) node.draggable = false;
  if (n.parent_id !== undefined) node.parentId = n.parent_id;
  return node;
}

export function toFlowEdge(e: Edge): FlowEdge {
  const edge: FlowEdge = { id: e.id, source: e.source, target: e.target };
  if (e.source_handle !== undefined) edge.sourceHandle = e.source_handle;
  if (e.target_handle !== undefined) edge.targetHandle = e.target_handle;
  if (e.type !== undefined) edge.type = e.type;
  return edge;
}

/**
 * The store's nodes (in its draw order), keeping each node's view state from `prev`.
 * A node being dragged here keeps its local position: the pointer owns it until the
 * drag ends, and its last position is on its way to the store.
 */
export function mergeNodes(stored: readonly Node[], prev: readonly StudioFlowNode[], dragging: ReadonlySet<string>): StudioFlowNode[] {
  const before = new Map(prev.map((n) => [n.id, n]));
  return stored.map((n) => {
    const next = toFlowNode(n);
    const old = before.get(n.id);
    if (old === undefined) return next;
    if (old.selected !== undefined) next.selected = old.selected;
    if (old.measured !== undefined) next.measured = old.measured;
    if (dragging.has(n.id)) {
      next.position = old.position;
      if (old.dragging !== undefined) next.dragging = old.dragging;
    }
    return next;
  });
}

export function mergeEdges(stored: readonly Edge[], prev: readonly FlowEdge[]): FlowEdge[] {
  const before = new Map(prev.map((e) => [e.id, e]));
  return stored.map((e) => {
    const next = toFlowEdge(e);
    const selected = before.get(e.id)?.selected;
    if (selected !== undefined) next.selected = selected;
    return next;
  });
}
