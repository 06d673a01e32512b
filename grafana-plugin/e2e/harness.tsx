// Renders the queue board with frames the test hands in: the frames the
// data source's backend made from a real hub (e2e/panel.mjs).
import { dataFrameFromJSON, DataFrameJSON, LoadingState, PanelProps } from "@grafana/data";
import { createRoot } from "react-dom/client";

import { BoardOptions, QueueBoard } from "../src/panels/queueboard/QueueBoard";

declare global {
  interface Window {
    renderBoard(frames: DataFrameJSON[], targetMinutes: number): void;
  }
}

const root = createRoot(document.getElementById("panel")!);
window.renderBoard = (frames, targetMinutes) => {
  const props = {
    data: { series: frames.map((f) => dataFrameFromJSON(f)), state: LoadingState.Streaming },
    options: { targetMinutes },
    width: 640,
    height: 220,
  } as unknown as PanelProps<BoardOptions>;
  root.render(<QueueBoard {...props} />);
};
