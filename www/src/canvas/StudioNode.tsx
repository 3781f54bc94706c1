import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import type { StudioFlowNode } from "./convert";

/** A node card: its label, its store type, an input on top and an output below. */
export const StudioNode = memo(function StudioNode({ data, selected }: NodeProps<StudioFlowNode>) {
  return (
    <div className={selected ? "studio-node selected" : "studio-node"}>
      <Handle type="target" position={Position.Top} />
      <div className="studio-node-label">{data.label}</div>
      <div className="studio-node-kind">{data.kind}</div>
      <Handle type="source" position={Position.Bottom} />
    </div>
  );
});
