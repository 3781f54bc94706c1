import type { Edge as FlowEdge } from "@xyflow/react";
import { useCallback, useEffect, useRef, useState } from "react";
import type { GraphOp, Id, Viewport } from "studio-store";
import { useToast } from "../components/Toasts";
import { errorMessage, useStore } from "../lib/store";
import { mergeEdges, mergeNodes, type StudioFlowNode } from "./convert";

/**
 * A file's graph as React Flow state, kept in step with the store.
 *
 * Local edits change the React Flow state at once and go to the store as ops (`send`).
 * One `applyOps` runs at a time, so edits land in the order they were made; ops sent
 * while one runs go together in the next call (a drag sends a position per frame, and a
 * backlog of one transaction per frame would leave the last position unsaved for long),
 * or the next few, cut by `splitOps`, when they outgrow one.
 * Changes from other tabs or the server reload the graph (`reload`), which waits for this
 * tab's own edits to land and reads again if more arrived meanwhile: a snapshot read
 * before one of our edits committed would undo it on screen, e.g. snap a node back.
 */
export function useCanvasGraph(fileId: Id) {
  const store = useStore();
  const notify = useToast();
  const [nodes, setNodes] = useState<StudioFlowNode[]>([]);
  const [edges, setEdges] = useState<FlowEdge[]>([]);
  /** The viewport stored with the graph at first load; null until then. */
  const [initialViewport, setInitialViewport] = useState<Viewport | null>(null);
  const [gone, setGone] = useState(false);
  /** Nodes under the pointer right now; a reload leaves their position alone. */
  const dragging = useRef(new Set<string>());
  /** Ops waiting for the running `applyOps` to finish. */
  const queued = useRef<GraphOp[]>([]);
  /** The loop writing `queued` to the store, while it runs. */
  const flushing = useRef<Promise<void> | null>(null);
  const writeCount = useRef(0);
  const [saving, setSaving] = useState(false);
  const loadTicket = useRef(0);

  const reload = useCallback(async () => {
    const ticket = ++loadTicket.current;
    for (;;) {
      const seen = writeCount.current;
      while (flushing.current !== null) await flushing.current;
      let graph;
      try {
        graph = await store.canvas.getGraph(fileId);
      } catch (err) {
        if (ticket === loadTicket.current) notify(`Could not read the canvas: ${errorMessage(err)}`);
        return;
      }
      if (ticket !== loadTicket.current) return; // a newer reload is under way
      if (seen !== writeCount.current) continue; // our own edits landed meanwhile: read again
      // Not sticky: should the graph come back (a sync that briefly lacked it), so does
      // the editor.
      setGone(graph === null);
      if (graph === null) return;
      const { nodes: stored, connections, viewport } = graph;
      setNodes((prev) => mergeNodes(stored, prev, dragging.current));
      setEdges((prev) => mergeEdges(connections, prev));
      setInitialViewport((v) => v ?? viewport);
      return;
    }
  }, [store, fileId, notify]);

  const flush = useCallback(async () => {
    setSaving(true);
    let failed = false;
    while (queued.current.length > 0) {
      const ops = queued.current;
      queued.current = [];
      try {
        // A backlog can outgrow what one applyOps takes (ops and bytes), which would
        // refuse all of it: the package cuts it into batches that fit, kept in order.
        for (const batch of store.canvas.splitOps(ops)) await store.canvas.applyOps(fileId, batch);
      } catch (err) {
        notify(`Could not save the change: ${errorMessage(err)}`);
        failed = true;
      }
    }
    flushing.current = null;
    setSaving(false);
    // Show what the store holds, not the edit that failed.
    if (failed) void reload();
  }, [store, fileId, notify, reload]);

  const send = useCallback(
    (ops: GraphOp[]) => {
      writeCount.current++;
      queued.current.push(...ops);
      flushing.current ??= flush();
    },
    [flush],
  );

  useEffect(() => {
    // This tab's edits are on screen already; only others' need a reload.
    const stop = store.watch("canvas", fileId, (event) => {
      if (event.origin !== "local") void reload();
    });
    void reload();
    return stop;
  }, [store, fileId, reload]);

  return { nodes, setNodes, edges, setEdges, initialViewport, gone, dragging, send, saving };
}
