package plugin

import (
	"bytes"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/edgedesk/edgedesk/analytics"
)

// The hub's answers are outside bytes to the plugin: whatever arrives as
// the Arrow stream or a live event is read or refused with an error,
// never a panic.
func FuzzAnswerFrame(f *testing.F) {
	tab := analytics.NewTable()
	rec, err := tab.StatsRecord(memory.DefaultAllocator, []analytics.Stat{{Count: 1, Key: analytics.GroupKey{Group: -1}}}, analytics.ByRegion)
	if err == nil {
		var buf bytes.Buffer
		w := ipc.NewWriter(&buf, ipc.WithSchema(analytics.StatsSchema))
		_ = w.Write(rec)
		_ = w.Close()
		rec.Release()
		f.Add(buf.Bytes())
	}
	f.Add([]byte("not arrow"))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x10, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		for kind := range answers {
			_, _ = answerFrame(bytes.NewReader(b), kind, kind)
		}
	})
}

func FuzzQueueFrame(f *testing.F) {
	f.Add([]byte(`{"time":1764000000000,"queue":[{"region":"eu","waiting":2,"longest_ms":30000}]}`))
	f.Add([]byte(`{"time":1764000000000,"queue":[{"region":"eu","waiting":1,"longest_ms":5,"agents":{"online":3,"away":1,"busy":2}}]}`))
	f.Add([]byte(`{"queue":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if frame, err := queueFrame(b); err == nil && len(frame.Fields) == 0 {
			t.Fatalf("%q: a frame without its time", b)
		}
	})
}

// An answer declaring a message of a gigabyte is refused for its size,
// without the plugin allocating it.
func TestHugeMessageRefused(t *testing.T) {
	_, err := answerFrame(bytes.NewReader([]byte{0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x40}), "stats", "first_response")
	if err == nil || !strings.Contains(err.Error(), "exceeds limit") {
		t.Fatalf("a 1 GiB message: %v, want refused for its size", err)
	}
}
