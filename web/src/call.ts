// A call's client side, shared by the widget and the console: the
// microphone and camera, one RTCPeerConnection with the edge's media
// server, and the signaling over the chat connection (docs/calls.md).
// It has no UI: the widget and the console draw its state.

import type { ICECandidate, Signal } from "./protocol.gen";
import type { InFrame, Item, OutFrame } from "./widget/protocol";
import { CallLog, type Side } from "./calllog";

// Sender is what a call needs of the chat connection.
export interface Sender {
  request(f: InFrame): Promise<OutFrame>;
  notify(f: InFrame): void;
}

// A call's states: starting (the microphone and camera, then the edge),
// ringing (this side called and is in the call: the other side has not
// answered), live (both sides in, media flowing), ended, failed.
export type CallState = "idle" | "starting" | "ringing" | "live" | "ended" | "failed";

export interface CallView {
  state: CallState;
  id: string;
  outgoing: boolean; // this side called (it rings for the other)
  answered: boolean; // the other side is in the call
  started: number; // ms, when it went live: the timer's start
  talked: number; // ended: how long it was live (ms)
  endReason: string; // ended: why (the call.ended reason; "hung up" when this side did)
  endedBy: string; // ended: the actor kind that ended it ("" when this side hung up)
  muted: boolean;
  cameraOn: boolean;
  role: string; // customer, agent or supervisor
  heard: boolean; // a supervisor's voice reaches the call
  error: string; // what went wrong, for people
  remote: MediaStream[]; // one per other participant
  recorded: boolean; // the tenant records its calls: say so
}

// simulcast is how a camera is sent: three layers, so that the edge can
// give each participant what its link and its tile take (docs/calls.md).
// WebRTC's order, lowest first; a browser drops the layers a small camera
// cannot fill, and the edge uses the ones that arrive.
export const simulcast: RTCRtpEncodingParameters[] = [
  { rid: "q", scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: "h", scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: "f", maxBitrate: 1_500_000 },
];

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

export interface CallStats {
  framesDecoded: number;
  audioBytes: number;
  voices: number;
  layersSent: number;
}

// Call is one call of this page.
export class Call {
  private pc?: RTCPeerConnection;
  private local?: MediaStream;
  private streams = new Map<string, MediaStream>();
  private attempt = 0; // a hang-up or a new start makes older starts give up
  private recorded = new Set<string>(); // calls whose call.started said recorded
  private connected = false; // the media connection with the edge is up
  private onVisibility = () => this.wantVideo();
  // log holds the call items seen: what goes on and rings, how calls ended
  log = new CallLog();
  view: CallView = {
    state: "idle", id: "", outgoing: false, answered: false, started: 0, talked: 0, endReason: "", endedBy: "",
    muted: false, cameraOn: true, role: "", heard: false, error: "", remote: [], recorded: false,
  };

  // side is who this page is in calls: the customer (the widget) or an
  // agent (the console).
  constructor(
    private conn: Sender,
    private base: string,
    private token: () => string,
    private changed: (v: CallView) => void,
    readonly side: Side = "customer",
  ) {}

  // prepare asks the browser for the microphone (and camera): false, with
  // the reason shown, when it gives none. start prepares if this was not
  // done; the widget does it first, so that a refused camera opens no
  // conversation.
  async prepare(opts: { video?: boolean; audioDevice?: string; videoDevice?: string }): Promise<boolean> {
    this.cleanUp();
    const attempt = ++this.attempt;
    this.connected = false;
    this.set({ state: "starting", id: "", error: "", remote: [], muted: false, cameraOn: !!opts.video, recorded: false,
      outgoing: false, answered: false, started: 0, talked: 0, endReason: "", endedBy: "" });
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
  // When the conversation has a call going on already (the other side
  // called meanwhile), the edge names it and this joins it instead.
  async start(opts: { conv?: string; call?: string; role?: string; video?: boolean; audioDevice?: string; videoDevice?: string }): Promise<void> {
    if (!this.local && !(await this.prepare(opts))) return;
    const attempt = this.attempt;
    const local = this.local!;
    const ack = await this.conn.request(
      opts.call ? { type: "call", op: "join", call: opts.call, role: opts.role } : { type: "call", op: "start", conv: opts.conv },
    );
    if (ack.type === "error" && !opts.call && typeof ack.call === "string" && ack.call && attempt === this.attempt) {
      return this.start({ ...opts, conv: undefined, call: ack.call });
    }
    if (ack.type !== "ack" || typeof ack.call !== "string") {
      if (attempt === this.attempt) this.fail(ack.message ?? "The call could not start.");
      return;
    }
    if (attempt !== this.attempt) {
      this.conn.notify({ type: "call", op: "leave", call: ack.call }); // hung up meanwhile
      return;
    }
    this.view.id = ack.call;
    // joining a call is answering it (or listening in); a call started
    // rings until the other side joins
    const outgoing = !opts.call;
    this.set({ role: opts.role ?? "", heard: opts.role !== "supervisor", recorded: this.recorded.has(ack.call), outgoing,
      answered: !outgoing || this.answeredIn(ack.call) });
    const iceServers = await this.iceServers();
    if (attempt !== this.attempt) return; // hangUp left the call
    const pc = new RTCPeerConnection({ iceServers });
    this.pc = pc;
    // sections of their own, sent only: the edge sends the others' media
    // in sections of its own
    for (const track of local.getAudioTracks()) pc.addTransceiver(track, { direction: "sendonly", streams: [local] });
    for (const track of local.getVideoTracks())
      pc.addTransceiver(track, { direction: "sendonly", streams: [local], sendEncodings: simulcast.map((e) => ({ ...e })) });
    document.addEventListener("visibilitychange", this.onVisibility);
    if (document.visibilityState === "hidden") this.wantVideo(); // started from a page already in the background
    pc.onicecandidate = (ev) => {
      if (ev.candidate) this.signal({ type: "candidate", candidate: candidate(ev.candidate.toJSON()) });
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
      if (pc.connectionState === "connected" && !this.connected) {
        this.connected = true;
        this.progress();
      }
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
  async receive(f: OutFrame): Promise<void> {
    const pc = this.pc;
    const sig = f.signal;
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

  // progress moves a call on once connected: live when answered,
  // ringing until then.
  private progress(): void {
    const s = this.view.state;
    if (s !== "starting" && s !== "ringing") return;
    if (!this.view.answered) {
      if (this.connected && s !== "ringing") this.set({ state: "ringing" });
      return;
    }
    if (this.connected) this.set({ state: "live", started: Date.now() });
  }

  // answeredIn reports whether the log saw the other side join call id.
  private answeredIn(id: string): boolean {
    const r = this.log.get(id);
    return !!r && r.joins.some((j) => j.call?.role !== this.side && j.call?.role !== "supervisor");
  }

  // note reads a conversation item. Call items go to the log; for this
  // page's call, the other side joining answers it, and its end (the
  // other side hung up or declined, nobody answered) ends it here too.
  // A call.started item says whether the call is recorded.
  note(it: Item): void {
    const c = it.call;
    if (it.kind !== "call" || !c) return;
    this.log.note(it);
    if (it.status === "started" && c.recorded) {
      this.recorded.add(c.id);
      if (c.id === this.view.id) this.set({ recorded: true });
    }
    if (c.id !== this.view.id || !this.view.id) return;
    if (it.status === "joined" && !this.view.answered && this.answeredIn(c.id)) {
      this.set({ answered: true });
      this.progress();
    }
    if (it.status === "ended") {
      const talked = this.view.state === "live" ? Date.now() - this.view.started : 0;
      this.view.id = ""; // over on the edge: nothing to leave
      this.cleanUp();
      this.set({ state: "ended", remote: [], talked, endReason: c.reason ?? "", endedBy: it.actor_kind });
    }
  }

  // decline refuses a call that rings for this side: it ends for the
  // caller too ("declined").
  async decline(id: string): Promise<boolean> {
    const r = await this.conn.request({ type: "call", op: "decline", call: id });
    return r.type === "ack";
  }

  // wantVideo asks the edge for less of the others' video while the page
  // is hidden, and all of it again when it shows.
  private wantVideo(): void {
    if (!this.view.id) return;
    this.conn.notify({ type: "call", op: "video", call: this.view.id, video: document.visibilityState === "hidden" ? "low" : "high" });
  }

  // useDevice switches the microphone or camera during a call, without
  // renegotiating: the new device's track replaces the old one's in what
  // is sent, muted or off as the old one was.
  async useDevice(kind: "audio" | "video", deviceId: string): Promise<void> {
    const local = this.local;
    const pc = this.pc;
    if (!local || !pc) return;
    let track: MediaStreamTrack | undefined;
    try {
      const got = await navigator.mediaDevices.getUserMedia(kind === "audio" ? { audio: { deviceId: { exact: deviceId } } } : { video: { deviceId: { exact: deviceId } } });
      track = got.getTracks()[0];
      // what is sent now (a switch made meanwhile may have replaced it)
      const sender = pc.getSenders().find((s) => s.track?.kind === kind);
      const old = sender?.track;
      if (local !== this.local || !sender || !old) {
        track.stop(); // hung up meanwhile
        return;
      }
      track.enabled = old.enabled;
      await sender.replaceTrack(track);
      if (local !== this.local) {
        track.stop(); // hung up while it was replaced
        return;
      }
      local.removeTrack(old);
      local.addTrack(track);
      old.stop();
      this.set({ error: "" });
    } catch (e) {
      track?.stop();
      if (local === this.local) this.set({ error: mediaError(e) });
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
    const talked = was === "live" ? Date.now() - this.view.started : 0;
    this.cleanUp();
    if (was !== "idle" && was !== "ended" && was !== "failed") this.set({ state: "ended", remote: [], talked, endReason: "hung up", endedBy: "" });
  }

  // lost ends the call when the chat connection dropped: the edge took
  // this page out of it.
  lost(): void {
    const s = this.view.state;
    if (s === "starting" || s === "ringing" || s === "live") this.fail("The connection was lost, so the call ended.");
  }

  // dismiss puts an ended or failed call away.
  dismiss(): void {
    if (this.view.state === "ended" || this.view.state === "failed") this.set({ state: "idle", error: "" });
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
    if (this.view.id && (this.view.state === "starting" || this.view.state === "ringing" || this.view.state === "live"))
      this.conn.notify({ type: "call", op: "leave", call: this.view.id });
    this.view.id = "";
    this.connected = false;
    document.removeEventListener("visibilitychange", this.onVisibility);
    this.pc?.close();
    this.pc = undefined;
    this.stopMedia();
    this.streams.clear();
  }

  // localStream is what this page sends (its own camera, for a
  // self-view), while in a call.
  localStream(): MediaStream | undefined {
    return this.local;
  }

  // stats are the RTP statistics the tests and a quality view read:
  // frames decoded and audio received, the voices heard (audio streams
  // that carried anything) and the simulcast layers the camera is sent in.
  async stats(): Promise<CallStats> {
    const st: CallStats = { framesDecoded: 0, audioBytes: 0, voices: 0, layersSent: 0 };
    (await this.pc?.getStats())?.forEach((s: { type: string; kind?: string; framesDecoded?: number; bytesReceived?: number; bytesSent?: number }) => {
      if (s.type === "outbound-rtp" && s.kind === "video" && (s.bytesSent ?? 0) > 0) st.layersSent++;
      if (s.type !== "inbound-rtp") return;
      if (s.kind === "video") st.framesDecoded += s.framesDecoded ?? 0;
      if (s.kind === "audio") {
        st.audioBytes += s.bytesReceived ?? 0;
        if ((s.bytesReceived ?? 0) > 0) st.voices++;
      }
    });
    return st;
  }

  private signal(signal: Signal): void {
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

// candidate is the browser's ICE candidate as the protocol carries it:
// every field, null when the browser has none.
function candidate(c: RTCIceCandidateInit): ICECandidate {
  return { candidate: c.candidate ?? "", sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null, usernameFragment: c.usernameFragment ?? null };
}

// ringTone plays a soft ring while a call rings, until the function it
// returns is called: two short tones every 3 s for a call that comes in,
// one longer tone every 4 s for one going out. A page the browser does
// not let play sound stays silent.
export function ringTone(incoming: boolean): () => void {
  let audio: AudioContext | undefined;
  try {
    audio = new AudioContext();
  } catch {
    return () => undefined;
  }
  const ctx = audio;
  const beep = (at: number, length: number, freq: number) => {
    const tone = ctx.createOscillator();
    const gain = ctx.createGain();
    tone.frequency.value = freq;
    gain.gain.setValueAtTime(0, at);
    gain.gain.linearRampToValueAtTime(0.06, at + 0.02);
    gain.gain.setValueAtTime(0.06, at + length - 0.05);
    gain.gain.linearRampToValueAtTime(0, at + length);
    tone.connect(gain).connect(ctx.destination);
    tone.start(at);
    tone.stop(at + length);
  };
  const ring = () => {
    const t = ctx.currentTime + 0.05;
    if (incoming) {
      beep(t, 0.35, 880);
      beep(t + 0.5, 0.35, 880);
    } else beep(t, 1.2, 440);
  };
  ring();
  const timer = setInterval(ring, incoming ? 3000 : 4000);
  return () => {
    clearInterval(timer);
    void ctx.close().catch(() => undefined);
  };
}
