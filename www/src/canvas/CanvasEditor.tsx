import {
  applyEdgeChanges,
  applyNodeChanges,
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type Edge as FlowEdge,
  type NodeChange,
  type NodeTypes,
  type Viewport as FlowViewport,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef } from "react";
import type { CanvasFile, Edge, GraphOp, NodeInput, Viewport } from "studio-store";
import { canvasPath, Link } from "../lib/router";
import { throttle } from "../lib/throttle";
import { FLOW_NODE_TYPE, toFlowEdge, toFlowNode, type StudioFlowNode } from "./convert";
import { StudioNode } from "./StudioNode";
import { useCanvasGraph } from "./useCanvasGraph";

const NODE_TYPES: NodeTypes = { [FLOW_NODE_TYPE]: StudioNode };
/** Pan and zoom produce a change per frame; the graph keeps the viewport, not the motion. */
const VIEWPORT_SAVE_MS = 300;

/** "Node n", one past the highest n on the canvas, so a deletion never leads to a repeat. */
function nextLabel(nodes: readonly StudioFlowNode[]): string {
  const taken = nodes.map((n) => /^Node (\d+)$/.exec(n.data.label)?.[1]).map(Number).filter(Number.isFinite);
  return `Node ${Math.max(0, ...taken) + 1}`;
}

export function CanvasEditor({ projectSlug, file }: { projectSlug: string; file: CanvasFile }) {
  return (
    <ReactFlowProvider>
      <Editor projectSlug={projectSlug} file={file} />
    </ReactFlowProvider>
  );
}

/** Every user action becomes delta ops; React Flow's state is updated first, for speed. */
function Editor({ projectSlug, file }: { projectSlug: string; file: CanvasFile }) {
  const g = useCanvasGraph(file.id);
  const { nodes, setNodes, edges, setEdges, dragging, send } = g;
  const flow = useReactFlow<StudioFlowNode, FlowEdge>();
  const pane = useRef<HTMLDivElement>(null);

  const onNodesChange = useCallback(
    (changes: NodeChange<StudioFlowNode>[]) => {
      setNodes((ns) => applyNodeChanges(changes, ns));
      // Each step of a drag is sent: the store coalesces them in its outbox, and
      // other tabs see the node move. Removals are sent by onDelete, with the edges.
      const ops: GraphOp[] = [];
      for (const c of changes) {
        if (c.type !== "position") continue;
        if (c.dragging === true) dragging.current.add(c.id);
        else dragging.current.delete(c.id);
        if (c.position) ops.push({ op: "node.set", id: c.id, props: { position: { x: c.position.x, y: c.position.y } } });
      }
      if (ops.length > 0) send(ops);
    },
    [setNodes, dragging, send],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange<FlowEdge>[]) => setEdges((es) => applyEdgeChanges(changes, es)),
    [setEdges],
  );

  const onDelete = useCallback(
    ({ nodes: gone, edges: cut }: { nodes: StudioFlowNode[]; edges: FlowEdge[] }) => {
      // One batch: deleting a node and its edges is one undoable, atomic edit.
      const ops: GraphOp[] = [
        ...cut.map((e): GraphOp => ({ op: "edge.remove", id: e.id })),
        ...gone.map((n): GraphOp => ({ op: "node.remove", id: n.id })),
      ];
      for (const n of gone) dragging.current.delete(n.id);
      if (ops.length > 0) send(ops);
    },
    [dragging, send],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      const edge: Edge = { id: crypto.randomUUID(), source: c.source, target: c.target };
      if (c.sourceHandle) edge.source_handle = c.sourceHandle;
      if (c.targetHandle) edge.target_handle = c.targetHandle;
      setEdges((es) => [...es, toFlowEdge(edge)]);
      send([{ op: "edge.add", edge }]);
    },
    [setEdges, send],
  );

  const addNode = useCallback(() => {
    const box = pane.current?.getBoundingClientRect();
    if (!box) return;
    const center = flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 });
    // Staggered, so nodes added in a row do not hide each other.
    const step = nodes.length % 4;
    const node: NodeInput = {
      id: crypto.randomUUID(),
      type: "note",
      position: { x: Math.round(center.x - 80 + step * 60), y: Math.round(center.y - 120 + step * 100) },
      data: { label: nextLabel(nodes) },
    };
    setNodes((ns) => [...ns, toFlowNode(node)]);
    send([{ op: "node.add", node }]);
  }, [flow, nodes.length, setNodes, send]);

  const saved = useRef<Viewport | null>(null);
  const saveViewport = useMemo(
    () => throttle((viewport: Viewport) => send([{ op: "viewport.set", viewport }]), VIEWPORT_SAVE_MS),
    [send],
  );
  useEffect(() => () => saveViewport.flush(), [saveViewport]);
  const onMove = useCallback(
    (_: unknown, v: FlowViewport) => {
      const last = saved.current ?? g.initialViewport;
      if (last && last.x === v.x && last.y === v.y && last.zoom === v.zoom) return;
      saved.current = { x: v.x, y: v.y, zoom: v.zoom };
      saveViewport(saved.current);
    },
    [g.initialViewport, saveViewport],
  );

  if (g.gone) {
    return (
      <section className="page">
        <h1>“{file.name}” was deleted</h1>
        <Link to={canvasPath(projectSlug)}>Back to the project</Link>
      </section>
    );
  }

  return (
    <section className="editor">
      <div className="toolbar">
        <h1>{file.name}</h1>
        <button type="button" onClick={addNode} disabled={g.initialViewport === null}>
          Add node
        </button>
        <span className="muted" data-testid="save-state" data-saving={g.saving}>
          {g.saving ? "Saving…" : "Saved on this device"}
        </span>
        <span className="muted" data-testid="graph-counts">
          {nodes.length} {nodes.length === 1 ? "node" : "nodes"} · {edges.length} {edges.length === 1 ? "edge" : "edges"}
        </span>
      </div>
      <div className="flow" ref={pane}>
        {g.initialViewport === null ? (
          <p className="page muted">Loading the canvas…</p>
        ) : (
          <ReactFlow<StudioFlowNode, FlowEdge>
            nodes={nodes}
            edges={edges}
            nodeTypes={NODE_TYPES}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            onDelete={onDelete}
            onMove={onMove}
            defaultViewport={g.initialViewport}
            deleteKeyCode={["Backspace", "Delete"]}
          >
            <Background />
            <Controls />
            <MiniMap pannable zoomable />
          </ReactFlow>
        )}
      </div>
    </section>
  );
}
