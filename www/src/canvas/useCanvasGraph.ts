import type { Edge as FlowEdge } from "@xyflow/react";
import { useCallback, useEffect, useRef, useState } from "react";
import type { GraphOp, Id, Viewport } from "studio-store";
import { useToast } from "../components/Toasts";
import { errorMessage, useStore } from "../lib/store";
import { mergeEdges, mergeNodes, type StudioFlowNode } from "./convert";

/**
 * A file's graph as React Flow state, kept in step with the store.
 *
 * Local edits change the React Flow state at once and go to the store as ops (`send`),
 * one `applyOps` at a time so they land in the order they were made. Changes from other
 * tabs or the server reload the graph (`reload`), which waits for this tab's own edits
 * to land first and retries if more arrived meanwhile: a snapshot read before one of
 * our edits committed would otherwise undo it on screen, e.g. snap a dragged node back.
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
  const writes = useRef<Promise<void>>(Promise.resolve());
  const writeCount = useRef(0);
  const loadTicket = useRef(0);

  const reload = useCallback(async () => {
    const ticket = ++loadTicket.current;
    for (;;) {
      const seen = writeCount.current;
      await writes.current;
      let graph;
      try {
        graph = await store.canvas.getGraph(fileId);
      } catch (err) {
        if (ticket === loadTicket.current) notify(`Could not read the canvas: ${errorMessage(err)}`);
        return;
      }
      if (ticket !== loadTicket.current) return; // a newer reload is under way
      if (seen !== writeCount.current) continue; // our own edits landed meanwhile: read again
      if (graph === null) {
        setGone(true);
        return;
      }
      const { nodes: stored, connections, viewport } = graph;
      setNodes((prev) => mergeNodes(stored, prev, dragging.current));
      setEdges((prev) => mergeEdges(connections, prev));
      setInitialViewport((v) => v ?? viewport);
      return;
    }
  }, [store, fileId, notify]);

  const send = useCallback(
    (ops: GraphOp[]) => {
      writeCount.current++;
      writes.current = writes.current
        .then(() => store.canvas.applyOps(fileId, ops))
        .catch((err: unknown) => {
          notify(`Could not save the change: ${errorMessage(err)}`);
          // Show what the store holds, not the edit that failed.
          void reload();
        });
    },
    [store, fileId, notify, reload],
  );

  useEffect(() => {
    // This tab's edits are on screen already; only others' need a reload.
    const stop = store.watch("canvas", fileId, (event) => {
      if (event.origin !== "local") void reload();
    });
    void reload();
    return stop;
  }, [store, fileId, reload]);

  return { nodes, setNodes, edges, setEdges, initialViewport, gone, dragging, send };
}
