import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Connection, Handlers, InFrame, OutFrame } from "./protocol";

// FakeSocket stands in for the browser's WebSocket: the test plays the edge.
class FakeSocket {
  static OPEN = 1;
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: InFrame[] = [];
  onopen?: () => void;
  onmessage?: (m: { data: string }) => void;
  onclose?: (ev: { code: number; reason: string }) => void;
  constructor(public url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as InFrame);
  }
  close(): void {}
  open(): void {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
  push(f: OutFrame): void {
    this.onmessage?.({ data: JSON.stringify(f) });
  }
  drop(code = 1006): void {
    this.onclose?.({ code, reason: "" });
  }
}

function handlers(): Handlers & { events: OutFrame[]; resyncs: OutFrame[] } {
  const h = {
    events: [] as OutFrame[],
    resyncs: [] as OutFrame[],
    welcome: () => {},
    event: (f: OutFrame) => void h.events.push(f),
    resync: (f: OutFrame) => void h.resyncs.push(f),
    status: () => {},
    refused: () => {},
  };
  return h;
}

describe("Connection", () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers();
    vi.stubGlobal("WebSocket", FakeSocket);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  const reconnect = (ws: FakeSocket): FakeSocket => {
    ws.drop();
    vi.runOnlyPendingTimers();
    const next = FakeSocket.all[FakeSocket.all.length - 1];
    next.open();
    return next;
  };

  it("hands resync to its handler, not to event", () => {
    const h = handlers();
    new Connection("http://edge", () => ({ type: "hello", v: 1 }), h).connect();
    const ws = FakeSocket.all[0];
    ws.open();
    ws.push({ type: "welcome", seq: 10 });
    ws.push({ type: "resync", since: 3, message: "more than 1000 missed events" });
    expect(h.resyncs.map((f) => f.since)).toEqual([3]);
    expect(h.events.map((f) => f.type)).not.toContain("resync");
  });

  it("resumes from the seq of resumed after a resync", () => {
    const h = handlers();
    new Connection("http://edge", () => ({ type: "hello", v: 1 }), h).connect();
    let ws = FakeSocket.all[0];
    ws.open();
    ws.push({ type: "welcome", seq: 10 });
    ws = reconnect(ws);
    expect(ws.sent[0].resume).toBe(10);
    ws.push({ type: "welcome", seq: 5000 });
    ws.push({ type: "resync", since: 10 });
    ws.push({ type: "resumed", seq: 5000 });
    ws = reconnect(ws);
    expect(ws.sent[0].resume).toBe(5000);
  });

  it("drops events at or below the seq of resumed", () => {
    const h = handlers();
    new Connection("http://edge", () => ({ type: "hello", v: 1 }), h).connect();
    const ws = FakeSocket.all[0];
    ws.open();
    ws.push({ type: "welcome", seq: 10 });
    ws.push({ type: "resumed", seq: 20 });
    ws.push({ type: "event", seq: 20 });
    ws.push({ type: "event", seq: 21 });
    expect(h.events.filter((f) => f.type === "event").map((f) => f.seq)).toEqual([21]);
  });
});
