// A client of the edge's WebSocket protocol v1 (docs/protocol.md), shared by
// the widget and the console: hello (built by the caller), requests with ids
// answered by acks, live events, and reconnect with resume so that nothing
// is missed or repeated.

import { Close, type InFrame, type OutFrame, type UserIdentity } from "../protocol.gen";

// The frames and what they carry are edge/protocol's: ../protocol.gen.ts is
// generated from the Go types, so a field the edge renames fails the type
// check here.
export type { Analysis, InFrame, Item, OutFrame } from "../protocol.gen";

// User is a website's signed-in user, vouched for by the website: hash is
// the hex HMAC-SHA256 of id under the inbox's identity secret, computed on
// the website's server (docs/protocol.md). language (the user's, e.g.
// "de") and attributes (at most 64; routing plugins see them) are the
// website's word too, but the hash does not cover them.
export type User = UserIdentity;

export interface Handlers {
  // welcome arrives after every (re)connect, before any replayed event.
  welcome(f: OutFrame): void;
  event(f: OutFrame): void;
  // resync: the edge will not replay what this client missed (more than
  // it replays, or a client too slow to keep up): what is shown may lack
  // events, so reload it (conversations, history) from the edge.
  resync(f: OutFrame): void;
  status(connected: boolean): void;
  // refused: the edge will not take this identity (forged or expired,
  // unknown inbox); the connection does not retry until reconnect.
  refused(reason: string): void;
}

// Close codes after which trying again cannot help (docs/protocol.md).
const final = new Set<number>([Close.Unauthorized, Close.Version, Close.Forbidden, Close.BadFrames]);

export class Connection {
  private ws?: WebSocket;
  private pending = new Map<string, (f: OutFrame) => void>();
  private nextId = 0;
  private lastSeq = 0;
  private retry = 0;
  private closed = false;

  // hello builds the first frame of each connection; resume is added.
  constructor(
    private base: string,
    private hello: () => InFrame,
    private on: Handlers,
  ) {}

  // reconnect drops the connection and opens a new one, from scratch (for
  // another identity: hello decides which).
  reconnect(): void {
    this.lastSeq = 0;
    for (const [, resolve] of this.pending) resolve({ type: "error", code: "unavailable", message: "identity changed" });
    this.pending.clear();
    const old = this.ws;
    this.connect();
    old?.close();
  }

  connect(): void {
    const url = this.base.replace(/^http/, "ws") + "/ws";
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      const hello = this.hello();
      if (this.lastSeq > 0) hello.resume = this.lastSeq;
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = (m) => this.receive(JSON.parse(String(m.data)) as OutFrame);
    ws.onclose = (ev) => {
      if (ws !== this.ws) return; // an identity change replaced it
      for (const [, resolve] of this.pending) resolve({ type: "error", code: "unavailable", message: "connection lost" });
      this.pending.clear();
      if (final.has(ev.code)) {
        this.on.refused(ev.reason || `closed with ${ev.code}`);
        return;
      }
      this.on.status(false);
      if (!this.closed) {
        const delay = Math.min(10000, 250 * 2 ** this.retry++);
        setTimeout(() => this.connect(), delay);
      }
    };
  }

  close(): void {
    this.closed = true;
    this.ws?.close();
  }

  // notify sends a frame that has no reply (typing), if connected.
  notify(f: InFrame): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(f));
  }

  // request sends a frame and resolves with its reply (ack, history, error).
  request(f: InFrame): Promise<OutFrame> {
    const id = "w" + ++this.nextId;
    return new Promise((resolve) => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
        resolve({ type: "error", code: "unavailable", message: "not connected" });
        return;
      }
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ ...f, id }));
    });
  }

  private receive(f: OutFrame): void {
    if (f.type === "welcome") {
      this.retry = 0;
      if (this.lastSeq === 0 && f.seq) this.lastSeq = f.seq;
      this.on.status(true);
      this.on.welcome(f);
      return;
    }
    if (f.id && this.pending.has(f.id)) {
      const resolve = this.pending.get(f.id)!;
      this.pending.delete(f.id);
      resolve(f);
      return;
    }
    if (f.type === "event" && f.seq) {
      if (f.seq <= this.lastSeq) return;
      this.lastSeq = f.seq;
    }
    if (f.type === "resync") {
      this.on.resync(f);
      return;
    }
    // resumed ends the replay after a reconnect: the client is current to
    // its seq (replayed, or reloaded after a resync).
    if (f.type === "resumed" && f.seq && f.seq > this.lastSeq) this.lastSeq = f.seq;
    this.on.event(f);
  }
}
