package sfu

import (
	"testing"

	"github.com/pion/webrtc/v4"
)

// Key frames are told from the payload headers of VP8 (RFC 7741), VP9
// and H.264 (RFC 6184), as publishers' packets carry them.
func TestKeyFrame(t *testing.T) {
	for _, c := range []struct {
		name    string
		mime    string
		payload []byte
		want    bool
	}{
		{"vp8 key frame start", webrtc.MimeTypeVP8, []byte{0x10, 0x00, 0x9d}, true},
		{"vp8 inter frame", webrtc.MimeTypeVP8, []byte{0x10, 0x01, 0x9d}, false},
		{"vp8 key frame, not its start", webrtc.MimeTypeVP8, []byte{0x00, 0x00}, false},
		{"vp8 with picture id, key frame", webrtc.MimeTypeVP8, []byte{0x90, 0x80, 0x05, 0x00}, true},
		{"vp8 empty", webrtc.MimeTypeVP8, nil, false},
		{"vp9 key frame start", webrtc.MimeTypeVP9, []byte{0x08, 0x00}, true},
		{"vp9 inter frame", webrtc.MimeTypeVP9, []byte{0x48, 0x00}, false},
		{"h264 idr", webrtc.MimeTypeH264, []byte{0x65, 0x88}, true},
		{"h264 sps", webrtc.MimeTypeH264, []byte{0x67, 0x42}, true},
		{"h264 non-idr slice", webrtc.MimeTypeH264, []byte{0x41, 0x9a}, false},
		{"h264 stap-a with sps", webrtc.MimeTypeH264, []byte{0x18, 0x00, 0x02, 0x67, 0x42, 0x00, 0x01, 0x68}, true},
		{"h264 stap-a, slices only", webrtc.MimeTypeH264, []byte{0x18, 0x00, 0x01, 0x41, 0x00, 0x01, 0x41}, false},
		{"h264 stap-a cut short", webrtc.MimeTypeH264, []byte{0x18, 0x00, 0x09, 0x67}, false},
		{"h264 fu-a idr start", webrtc.MimeTypeH264, []byte{0x7c, 0x85}, true},
		{"h264 fu-a idr middle", webrtc.MimeTypeH264, []byte{0x7c, 0x05}, false},
		{"opaque codec", webrtc.MimeTypeAV1, []byte{0x00}, true},
	} {
		if got := keyFrame(c.mime, c.payload); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// A publisher's payload is outside bytes: reading it never panics.
func FuzzKeyFrame(f *testing.F) {
	f.Add([]byte{0x10, 0x00, 0x9d})
	f.Add([]byte{0x90, 0x80, 0x05, 0x00})
	f.Add([]byte{0x18, 0x00, 0x02, 0x67, 0x42})
	f.Add([]byte{0x7c, 0x85})
	f.Add([]byte{0x08, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, mime := range []string{webrtc.MimeTypeVP8, webrtc.MimeTypeVP9, webrtc.MimeTypeH264} {
			keyFrame(mime, b)
		}
	})
}
