// A call's client side, shared by the widget and the console: the
// microphone and camera, one RTCPeerConnection with the edge's media
// server, and the signaling over the chat connection (docs/calls.md).
// It has no UI: the widget and the console draw its state.

import type { Frame } from "./widget/protocol";

// Sender is what a call needs of the chat connection.
export interface Sender {
  request(f: Frame): Promise<Frame>;
  notify(f: Frame): void;
}

export type CallState = "idle" | "starting" | "live" | "ended" | "failed";

export interface CallView {
  state: CallState;
  id: string;
  started: number; // ms, when it went live
  muted: boolean;
  cameraOn: boolean;
  role: string; // customer, agent or supervisor
  heard: boolean; // a supervisor's voice reaches the call
  error: string; // what went wrong, for people
  remote: MediaStream[]; // one per other participant
}

// mediaError says in plain words why the browser gave no microphone or
// camera.
export function mediaError(e: unknown): string {
  const name = (e as { name?: string })?.name ?? "";
  switch (name) {
    case "NotAllowedError":
    case "SecurityError":
      return "The browser was not allowed to use your microphone or camera. Allow them in the address bar and try again.";
    case "NotFoundError":
    case "OverconstrainedError":
      return "No microphone or camera was found. Connect one and try again.";
    case "NotReadableError":
      return "Your microphone or camera is in use by another program. Close it and try again.";
  }
  return "The call could not start: " + String((e as Error)?.message ?? e);
}

// clock shows a call's length, m:ss or h:mm:ss.
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

// Call is one call of this page.
export class Call {
  private pc?: RTCPeerConnection;
  private local?: MediaStream;
  private streams = new Map<string, MediaStream>();
  private attempt = 0; // a hang-up or a new start makes older starts give up
  view: CallView = { state: "idle", id: "", started: 0, muted: false, cameraOn: true, role: "", heard: false, error: "", remote: [] };

  constructor(
    private conn: Sender,
    private base: string,
    private token: () => string,
    private changed: (v: CallView) => void,
  ) {}

  // prepare asks the browser for the microphone (and camera): false, with
  // the reason shown, when it gives none. start prepares if this was not
  // done; the widget does it first, so that a refused camera opens no
  // conversation.
  async prepare(opts: { video?: boolean; audioDevice?: string; videoDevice?: string }): Promise<boolean> {
    this.cleanUp();
    const attempt = ++this.attempt;
    this.set({ state: "starting", id: "", error: "", remote: [], muted: false, cameraOn: !!opts.video });
    try {
      const local = await navigator.mediaDevices.getUserMedia({
        audio: opts.audioDevice ? { deviceId: { exact: opts.audioDevice } } : true,
        video: opts.video ? (opts.videoDevice ? { deviceId: { exact: opts.videoDevice } } : true) : false,
      });
      if (attempt !== this.attempt) {
        for (const t of local.getTracks()) t.stop(); // hung up meanwhile
        return false;
      }
      this.local = local;
      return true;
    } catch (e) {
      if (attempt === this.attempt) this.set({ state: "failed", error: mediaError(e) });
      return false;
    }
  }

  // start calls from conversation conv, or joins call id (with role).
  async start(opts: { conv?: string; call?: string; role?: string; video?: boolean; audioDevice?: string; videoDevice?: string }): Promise<void> {
    if (!this.local && !(await this.prepare(opts))) return;
    const attempt = this.attempt;
    const local = this.local!;
    const ack = await this.conn.request(
      opts.call ? { type: "call", op: "join", call: opts.call, role: opts.role } : { type: "call", op: "start", conv: opts.conv },
    );
    if (ack.type !== "ack" || typeof ack.call !== "string") {
      if (attempt === this.attempt) this.fail(ack.message ?? "The call could not start.");
      return;
    }
    if (attempt !== this.attempt) {
      this.conn.notify({ type: "call", op: "leave", call: ack.call }); // hung up meanwhile
      return;
    }
    this.view.id = ack.call;
    this.set({ role: opts.role ?? "", heard: opts.role !== "supervisor" });
    const iceServers = await this.iceServers();
    if (attempt !== this.attempt) return; // hangUp left the call
    const pc = new RTCPeerConnection({ iceServers });
    this.pc = pc;
    for (const track of local.getTracks()) pc.addTrack(track, local);
    pc.onicecandidate = (ev) => {
      if (ev.candidate) this.signal({ type: "candidate", candidate: ev.candidate.toJSON() });
    };
    pc.ontrack = (ev) => {
      const stream = ev.streams[0];
      if (stream && !this.streams.has(stream.id)) {
        this.streams.set(stream.id, stream);
        stream.onremovetrack = () => {
          if (stream.getTracks().length === 0) this.streams.delete(stream.id);
          this.set({ remote: [...this.streams.values()] });
        };
      }
      this.set({ remote: [...this.streams.values()] });
    };
    pc.onconnectionstatechange = () => {
      if (pc !== this.pc) return;
      if (pc.connectionState === "connected" && this.view.state !== "live") this.set({ state: "live", started: Date.now() });
      if (pc.connectionState === "failed") this.fail("The call's connection failed.");
    };
    try {
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      this.signal({ type: "offer", sdp: offer.sdp });
    } catch (e) {
      if (attempt === this.attempt) this.fail("The call could not start: " + String((e as Error)?.message ?? e));
    }
  }

  // receive applies a call_signal frame of the edge.
  async receive(f: Frame): Promise<void> {
    const pc = this.pc;
    const sig = f.signal as { type: string; sdp?: string; candidate?: RTCIceCandidateInit } | undefined;
    if (!pc || !sig || f.call !== this.view.id) return;
    try {
      if (sig.type === "answer") await pc.setRemoteDescription({ type: "answer", sdp: sig.sdp });
      if (sig.type === "offer") {
        await pc.setRemoteDescription({ type: "offer", sdp: sig.sdp });
        const answer = await pc.createAnswer();
        await pc.setLocalDescription(answer);
        this.signal({ type: "answer", sdp: answer.sdp });
      }
      if (sig.type === "candidate" && sig.candidate) await pc.addIceCandidate(sig.candidate);
    } catch {
      // a renegotiation that crossed a hang-up: nothing to do
    }
  }

  setMuted(muted: boolean): void {
    for (const t of this.local?.getAudioTracks() ?? []) t.enabled = !muted;
    this.set({ muted });
  }

  // setHeard lets a supervisor speak in the call, or stop (the edge holds
  // a supervisor's media back until then).
  async setHeard(heard: boolean): Promise<void> {
    const r = await this.conn.request({ type: "call", op: "mute", call: this.view.id, muted: !heard });
    if (r.type === "ack") this.set({ heard });
    else this.set({ error: r.message ?? "The edge refused." });
  }

  setCamera(on: boolean): void {
    for (const t of this.local?.getVideoTracks() ?? []) t.enabled = on;
    this.set({ cameraOn: on });
  }

  // hangUp leaves the call (or gives up starting it).
  hangUp(): void {
    const was = this.view.state;
    this.cleanUp();
    if (was !== "idle") this.set({ state: "ended", remote: [] });
  }

  // fail ends the call with a reason shown.
  private fail(error: string): void {
    this.cleanUp();
    this.set({ state: "failed", error, remote: [] });
  }

  // cleanUp leaves the call on the edge, closes the connection and stops
  // the microphone and camera; a start under way gives up.
  private cleanUp(): void {
    this.attempt++;
    if (this.view.id && (this.view.state === "starting" || this.view.state === "live"))
      this.conn.notify({ type: "call", op: "leave", call: this.view.id });
    this.view.id = "";
    this.pc?.close();
    this.pc = undefined;
    this.stopMedia();
    this.streams.clear();
  }

  // stats are the inbound RTP statistics: frames decoded and audio
  // received, what the tests and a quality view read.
  async stats(): Promise<{ framesDecoded: number; audioBytes: number }> {
    let framesDecoded = 0;
    let audioBytes = 0;
    (await this.pc?.getStats())?.forEach((s: { type: string; kind?: string; framesDecoded?: number; bytesReceived?: number }) => {
      if (s.type !== "inbound-rtp") return;
      if (s.kind === "video") framesDecoded += s.framesDecoded ?? 0;
      if (s.kind === "audio") audioBytes += s.bytesReceived ?? 0;
    });
    return { framesDecoded, audioBytes };
  }

  private signal(signal: unknown): void {
    this.conn.notify({ type: "call", op: "signal", call: this.view.id, signal });
  }

  private async iceServers(): Promise<RTCIceServer[]> {
    try {
      const r = await fetch(this.base + "/api/v1/ice-servers", { headers: { Authorization: "Bearer " + this.token() } });
      if (!r.ok) return []; // no TURN server: direct connections only
      return ((await r.json()) as { ice_servers: RTCIceServer[] }).ice_servers;
    } catch {
      return [];
    }
  }

  private stopMedia(): void {
    for (const t of this.local?.getTracks() ?? []) t.stop();
    this.local = undefined;
  }

  private set(v: Partial<CallView>): void {
    this.view = { ...this.view, ...v };
    this.changed(this.view);
  }
}
