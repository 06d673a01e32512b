// The regional queue board panel.
import { PanelPlugin } from "@grafana/data";

import { BoardOptions, QueueBoard } from "./QueueBoard";

export const plugin = new PanelPlugin<BoardOptions>(QueueBoard).setPanelOptions((builder) =>
  builder.addNumberInput({
    path: "targetMinutes",
    name: "Target (minutes)",
    description: "The first response target: a longer wait shows as a breach, one past half of it as a warning",
    defaultValue: 5,
  }),
);
