package sfu

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/h264writer"
	"github.com/pion/webrtc/v4/pkg/media/ivfwriter"
	"github.com/pion/webrtc/v4/pkg/media/oggwriter"
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
	Error       string    `json:"error,omitempty"`
}

// ManifestFile is the name of a recording's manifest.
const ManifestFile = "call.json"

// recorder writes a call's tracks to files of the formats players read:
// Opus audio to Ogg, VP8, VP9 and AV1 video to IVF, H.264 to an Annex B
// stream. Each track is a subscription of its own, taking the highest
// simulcast layer, so a switch of layers continues the same file. What a
// muted participant sends is not forwarded, so not recorded either.
type recorder struct {
	dir     string
	room    string
	started time.Time

	mu     sync.Mutex
	files  map[*published]*recording
	tracks []RecordedTrack
	closed bool
}

type recording struct {
	sub *subscription
	w   interface {
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
	r.recorder = &recorder{dir: dir, room: room, started: time.Now(), files: map[*published]*recording{}}
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
	f := &recording{index: -1}
	f.sub = newSubscription(t, nil, func(pkt *rtp.Packet) error { return rec.write(t, f, pkt) })
	rec.files[t] = f
	t.addSub(f.sub)
	f.sub.choose(t, time.Now())
}

// write appends a packet to a track's file (the subscription's mu held).
// A failing file (a full disk) stops that track's recording, not the call.
func (rec *recorder) write(t *published, f *recording, pkt *rtp.Packet) error {
	if f.failed {
		return nil
	}
	if f.w == nil {
		rec.open(t, f)
		if f.failed {
			return nil
		}
	}
	if err := f.w.WriteRTP(pkt); err != nil {
		f.failed = true
		rec.mu.Lock()
		rec.tracks[f.index].Error = err.Error()
		file := rec.tracks[f.index].File
		rec.mu.Unlock()
		t.from.room.sfu.log.Error("sfu: recording a track failed; the call goes on without it", "room", rec.room,
			"file", file, "err", err)
		return err
	}
	return nil
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
		info.Error = err.Error()
		t.from.room.sfu.log.Warn("sfu: a track is not recorded", "room", rec.room, "peer", t.from.id, "err", err)
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
		rec.finish(f)
	}
}

func (rec *recorder) finish(f *recording) {
	f.sub.mu.Lock() // no packet is being written
	var err error
	if f.w != nil {
		err = f.w.Close()
	}
	f.sub.mu.Unlock()
	if err != nil {
		rec.mu.Lock()
		rec.tracks[f.index].Error = err.Error()
		rec.mu.Unlock()
	}
}

// close ends every file and writes the manifest.
func (rec *recorder) close() error {
	rec.mu.Lock()
	if rec.closed {
		rec.mu.Unlock()
		return nil
	}
	rec.closed = true
	files := rec.files
	rec.files = nil
	rec.mu.Unlock()
	for _, f := range files {
		rec.finish(f)
	}
	rec.mu.Lock()
	m := Manifest{Room: rec.room, Started: rec.started, Ended: time.Now(), Tracks: rec.tracks}
	rec.mu.Unlock()
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(rec.dir, ManifestFile), b, 0o600)
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
