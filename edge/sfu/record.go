package sfu

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/h264writer"
	"github.com/pion/webrtc/v4/pkg/media/ivfwriter"
	"github.com/pion/webrtc/v4/pkg/media/oggwriter"

	"github.com/edgedesk/edgedesk/internal/atomicfile"
)

// Manifest is what a call's recording holds, written as call.json next
// to its files when the call ends.
type Manifest struct {
	Room    string          `json:"room"`
	Started time.Time       `json:"started"`
	Ended   time.Time       `json:"ended"`
	Tracks  []RecordedTrack `json:"tracks"`
}

// RecordedTrack is one published track of a recorded call: its file,
// whose it is, and when it started.
type RecordedTrack struct {
	File        string    `json:"file"`
	Participant string    `json:"participant"`
	Role        Role      `json:"role"`
	Kind        string    `json:"kind"`
	Codec       string    `json:"codec"`
	Started     time.Time `json:"started"`
	// Dropped counts packets not written because the disk fell behind.
	Dropped uint64 `json:"dropped_packets,omitempty"`
	Error   string `json:"error,omitempty"`
}

// ManifestFile is the name of a recording's manifest.
const ManifestFile = "call.json"

// recorder writes a call's tracks to files of the formats players read:
// Opus audio to Ogg, VP8, VP9 and AV1 video to IVF, H.264 to an Annex B
// stream. Each track is a subscription of its own, taking the highest
// simulcast layer, so a switch of layers continues the same file. What a
// muted participant sends is not forwarded, so not recorded either. The
// forwarders only queue packets: a writer goroutine per file does the
// disk's work, so a slow disk costs the recording packets (counted), not
// the call.
type recorder struct {
	dir     string
	room    string
	started time.Time
	log     *slog.Logger

	mu     sync.Mutex
	files  map[*published]*recording // the tracks recorded now
	all    []*recording              // every file's writer, to wait for at the end
	tracks []RecordedTrack
	closed bool
}

// recordQueue is how many packets a file's writer may fall behind.
const recordQueue = 1024

type recording struct {
	sub  *subscription
	q    chan *rtp.Packet
	done chan struct{}

	// the subscription's mu
	closed  bool
	dropped uint64

	// the writer goroutine's
	w interface {
		WriteRTP(*rtp.Packet) error
		Close() error
	}
	index  int
	failed bool
}

// Record records the room's call into dir (made if missing, readable by
// this user only) from now until it ends. A call that is not running yet
// is refused: record it once its first participant joined.
func (s *SFU) Record(room, dir string) error {
	s.mu.Lock()
	r := s.rooms[room]
	s.mu.Unlock()
	if r == nil {
		return fmt.Errorf("sfu: no call %q to record", room)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("sfu: recording directory: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	if r.recorder != nil {
		return nil
	}
	r.recorder = &recorder{dir: dir, room: room, started: time.Now(), log: s.log, files: map[*published]*recording{},
		tracks: []RecordedTrack{}}
	for _, t := range r.tracks {
		r.recorder.track(t)
	}
	return nil
}

// track starts recording t (the room's mu held). Its file is made at its
// first packet: a track nobody hears (a muted supervisor's) leaves none.
func (rec *recorder) track(t *published) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.closed || rec.files[t] != nil {
		return
	}
	f := &recording{index: -1, q: make(chan *rtp.Packet, recordQueue), done: make(chan struct{})}
	f.sub = newSubscription(t, nil, func(pkt *rtp.Packet) error { return f.enqueue(pkt) })
	rec.files[t] = f
	rec.all = append(rec.all, f)
	t.addSub(f.sub)
	f.sub.choose(t, time.Now())
	go rec.write(t, f)
}

// enqueue hands a packet to the file's writer (the subscription's mu
// held), or counts it dropped when the writer is that far behind.
func (f *recording) enqueue(pkt *rtp.Packet) error {
	if f.closed {
		return nil
	}
	cp := *pkt // the forwarder's packet is its own: keep a copy
	cp.Payload = append([]byte(nil), pkt.Payload...)
	select {
	case f.q <- &cp:
	default:
		f.dropped++
	}
	return nil
}

// write writes a track's queued packets to its file until the recording
// of the track ends. A failing file (a full disk) stops that track's
// recording, not the call.
func (rec *recorder) write(t *published, f *recording) {
	defer close(f.done)
	for pkt := range f.q {
		if f.failed {
			continue
		}
		if f.w == nil {
			rec.open(t, f)
			if f.failed {
				continue
			}
		}
		if err := f.w.WriteRTP(pkt); err != nil {
			f.failed = true
			rec.fail(f, err)
		}
	}
	if f.w != nil {
		if err := f.w.Close(); err != nil && !f.failed {
			rec.fail(f, err)
		}
	}
}

// fail records why a track's file failed.
func (rec *recorder) fail(f *recording, err error) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.tracks[f.index].Error = plain(err)
	rec.log.Error("sfu: recording a track failed; the call goes on without it", "room", rec.room,
		"file", rec.tracks[f.index].File, "err", err)
}

// plain is an error without the server's paths: the manifest is served
// to the tenant's admins.
func plain(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Op + " " + filepath.Base(pe.Path) + ": " + pe.Err.Error()
	}
	return err.Error()
}

// open makes a track's file and lists it in the manifest.
func (rec *recorder) open(t *published, f *recording) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	info := RecordedTrack{Participant: t.from.id, Role: t.from.role, Kind: t.kind.String(), Codec: t.codec.MimeType, Started: time.Now()}
	name := fmt.Sprintf("%02d-%s-%s", len(rec.tracks)+1, t.from.role, t.kind)
	w, ext, err := newMediaWriter(t.codec, filepath.Join(rec.dir, name))
	f.index = len(rec.tracks)
	if err != nil {
		f.failed = true
		info.Error = plain(err)
		rec.log.Warn("sfu: a track is not recorded", "room", rec.room, "peer", t.from.id, "err", err)
	} else {
		f.w, info.File = w, name+ext
	}
	rec.tracks = append(rec.tracks, info)
}

// untrack ends t's file (the room's mu held).
func (rec *recorder) untrack(t *published) {
	rec.mu.Lock()
	f := rec.files[t]
	delete(rec.files, t)
	rec.mu.Unlock()
	if f != nil {
		t.removeSub(f.sub)
		f.stop() // its writer finishes on its own; close waits for it
	}
}

// stop ends the queue of a track's packets: its writer writes what is
// queued and closes the file.
func (f *recording) stop() {
	f.sub.mu.Lock()
	defer f.sub.mu.Unlock()
	if !f.closed {
		f.closed = true
		close(f.q)
	}
}

// close ends every file (r, the room, is not locked) and writes the
// manifest, once.
func (rec *recorder) close(r *Room) error {
	r.mu.Lock()
	rec.mu.Lock()
	if rec.closed {
		rec.mu.Unlock()
		r.mu.Unlock()
		return nil
	}
	rec.closed = true
	files, all := rec.files, rec.all
	rec.files = nil
	rec.mu.Unlock()
	for t, f := range files {
		t.removeSub(f.sub)
	}
	r.mu.Unlock()
	for _, f := range all {
		f.stop()
		<-f.done
		f.sub.mu.Lock()
		dropped := f.dropped
		f.sub.mu.Unlock()
		if dropped > 0 && f.index >= 0 {
			rec.mu.Lock()
			rec.tracks[f.index].Dropped = dropped
			rec.mu.Unlock()
		}
	}
	rec.mu.Lock()
	m := Manifest{Room: rec.room, Started: rec.started, Ended: time.Now(), Tracks: slices.Clone(rec.tracks)}
	rec.mu.Unlock()
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	// written whole or not at all: a reader never sees half a manifest
	return atomicfile.Write(filepath.Join(rec.dir, ManifestFile), b, 0o600)
}

// newMediaWriter opens the file for a codec's packets at path plus the
// extension it returns.
func newMediaWriter(c webrtc.RTPCodecParameters, path string) (interface {
	WriteRTP(*rtp.Packet) error
	Close() error
}, string, error) {
	mime := strings.ToLower(c.MimeType)
	var ext string
	switch mime {
	case strings.ToLower(webrtc.MimeTypeOpus):
		ext = ".ogg"
	case strings.ToLower(webrtc.MimeTypeVP8), strings.ToLower(webrtc.MimeTypeVP9), strings.ToLower(webrtc.MimeTypeAV1):
		ext = ".ivf"
	case strings.ToLower(webrtc.MimeTypeH264):
		ext = ".h264"
	default:
		return nil, "", fmt.Errorf("no recording format for %s", c.MimeType)
	}
	out, err := os.OpenFile(path+ext, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, "", err
	}
	var w interface {
		WriteRTP(*rtp.Packet) error
		Close() error
	}
	switch ext {
	case ".ogg":
		channels := max(c.Channels, 1)
		w, err = oggwriter.NewWith(out, c.ClockRate, channels)
	case ".ivf":
		w, err = ivfwriter.NewWith(out, ivfwriter.WithCodec(c.MimeType))
	default:
		w = h264writer.NewWith(out)
	}
	if err != nil {
		return nil, "", errors.Join(err, out.Close(), os.Remove(path+ext))
	}
	return w, ext, nil
}
