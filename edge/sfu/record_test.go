package sfu_test

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"

	"github.com/edgedesk/edgedesk/edge/sfu"
)

// A recorded call leaves a file per published track that the media
// readers parse (Ogg Opus for audio, IVF VP8 for video) and a manifest
// naming whose each is. A supervisor listening in muted is not recorded;
// a room that is not running cannot be recorded.
func TestRecordingACall(t *testing.T) {
	s, _, ice := setup(t)
	dir := filepath.Join(t.TempDir(), "recordings", "call-r")
	if err := s.Record("call-r", dir); err == nil {
		t.Fatal("a call that has not started was recorded")
	}
	customer, agent, supervisor := newClient(t, "customer", ice), newClient(t, "agent", ice), newClient(t, "supervisor", ice)
	customer.publish()
	customer.join(s, "call-r", sfu.RoleCustomer)
	if err := s.Record("call-r", dir); err != nil {
		t.Fatal(err)
	}
	agent.publish()
	agent.join(s, "call-r", sfu.RoleAgent)
	supervisor.publish()
	supervisor.join(s, "call-r", sfu.RoleSupervisor)
	waitFor(t, "the agent sees the customer", func() bool { return agent.received("video", "customer") >= 30 })
	waitFor(t, "the customer sees the agent", func() bool { return customer.received("video", "agent") >= 30 })
	for _, c := range []*client{customer, agent, supervisor} {
		c.close()
		c.peer.Close()
	}
	waitFor(t, "the room ends", func() bool { return s.Rooms() == 0 })
	// The manifest is written once the last one out has left, just after
	// the room is forgotten.
	waitFor(t, "the manifest is written", func() bool {
		_, err := os.Stat(filepath.Join(dir, sfu.ManifestFile))
		return err == nil
	})

	b, err := os.ReadFile(filepath.Join(dir, sfu.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	var m sfu.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, tr := range m.Tracks {
		if tr.Error != "" || tr.File == "" {
			t.Fatalf("track %+v was not recorded", tr)
		}
		kinds[tr.Participant+"/"+tr.Kind] = true
		f, err := os.Open(filepath.Join(dir, tr.File))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if fi, _ := f.Stat(); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v: a recording is for this user only", tr.File, fi.Mode().Perm())
		}
		units := 0
		switch tr.Kind {
		case "audio":
			r, head, err := oggreader.NewWith(f)
			if err != nil {
				t.Fatalf("%s: %v", tr.File, err)
			}
			if head.SampleRate != 48000 {
				t.Errorf("%s: sample rate %d", tr.File, head.SampleRate)
			}
			for ; ; units++ {
				if _, _, err := r.ParseNextPage(); err != nil {
					if !errors.Is(err, io.EOF) {
						t.Fatalf("%s: page %d: %v", tr.File, units, err)
					}
					break
				}
			}
		case "video":
			r, head, err := ivfreader.NewWith(f)
			if err != nil {
				t.Fatalf("%s: %v", tr.File, err)
			}
			if head.FourCC != "VP80" {
				t.Errorf("%s: codec %q", tr.File, head.FourCC)
			}
			for ; ; units++ {
				if _, _, err := r.ParseNextFrame(); err != nil {
					if !errors.Is(err, io.EOF) {
						t.Fatalf("%s: frame %d: %v", tr.File, units, err)
					}
					break
				}
			}
		}
		if units < 20 {
			t.Errorf("%s: %d pages or frames", tr.File, units)
		}
	}
	if len(m.Tracks) != 4 || !kinds["customer/audio"] || !kinds["customer/video"] || !kinds["agent/audio"] || !kinds["agent/video"] {
		t.Fatalf("recorded %v, want the customer's and the agent's audio and video", kinds)
	}
	if m.Ended.Sub(m.Started) <= 0 || m.Ended.Sub(m.Started) > time.Minute {
		t.Errorf("the recording ran from %v to %v", m.Started, m.Ended)
	}
}
