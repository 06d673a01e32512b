// A client of the edge's WebSocket protocol v1 (docs/protocol.md), shared by
// the widget and the console: hello (built by the caller), requests with ids
// answered by acks, live events, and reconnect with resume so that nothing
// is missed or repeated.

export interface Item {
  seq: number;
  kind: string;
  conv: string;
  ts: number;
  actor_kind: string;
  actor_id?: string;
  client_id?: string;
  text?: string;
  attachments?: string[];
  private?: boolean;
  read_seq?: number;
  status?: string;
  // a "call" item: its call (status says started, joined or ended)
  call?: { id: string; role?: string; duration_ms?: number; reason?: string; recorded?: boolean; rtt_ms?: number };
  // a "rating" item: the customer's CSAT score, 1 to 5
  rating?: { score: number };
  // an "analysis" item: the NLP plugin's reading of the message at ref
  ref?: number;
  analysis?: Analysis;
}

export interface Analysis {
  language?: string;
  language_confidence?: number;
  intent?: string;
  intent_confidence?: number;
  sentiment?: string;
  sentiment_score?: number;
  pii?: { kind: string; start: number; end: number }[]; // byte offsets into the UTF-8 text
  plugin?: string;
}

export interface Frame {
  type: string;
  id?: string;
  seq?: number;
  conv?: string;
  duplicate?: boolean;
  item?: Item;
  items?: Item[];
  code?: string;
  message?: string;
  session?: { visitor?: string; token?: string; id?: string; role?: string };
  [key: string]: unknown;
}

// User is a website's signed-in user, vouched for by the website: hash is
// the hex HMAC-SHA256 of id under the inbox's identity secret, computed on
// the website's server (docs/protocol.md). language (the user's, e.g.
// "de") and attributes (at most 64; routing plugins see them) are the
// website's word too, but the hash does not cover them.
export interface User {
  id: string;
  name?: string;
  email?: string;
  hash: string;
  language?: string;
  attributes?: Record<string, string | number | boolean | null>;
}

export interface Handlers {
  // welcome arrives after every (re)connect, before any replayed event.
  welcome(f: Frame): void;
  event(f: Frame): void;
  // resync: the edge will not replay what this client missed (more than
  // it replays, or a client too slow to keep up): what is shown may lack
  // events, so reload it (conversations, history) from the edge.
  resync(f: Frame): void;
  status(connected: boolean): void;
  // refused: the edge will not take this identity (forged or expired,
  // unknown inbox); the connection does not retry until reconnect.
  refused(reason: string): void;
}

// Close codes after which trying again cannot help (docs/protocol.md).
const final = new Set([4001, 4002, 4003, 4400]);

export class Connection {
  private ws?: WebSocket;
  private pending = new Map<string, (f: Frame) => void>();
  private nextId = 0;
  private lastSeq = 0;
  private retry = 0;
  private closed = false;

  // hello builds the first frame of each connection; resume is added.
  constructor(
    private base: string,
    private hello: () => Frame,
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
    ws.onmessage = (m) => this.receive(JSON.parse(String(m.data)) as Frame);
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
  notify(f: Frame): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(f));
  }

  // request sends a frame and resolves with its reply (ack, history, error).
  request(f: Frame): Promise<Frame> {
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

  private receive(f: Frame): void {
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
