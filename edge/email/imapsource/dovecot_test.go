package imapsource

import (
	"bytes"
	"strings"
	"sync"
)

// The tests run a Source against a throwaway dovecot: see
// edge/email/imapsource/dovecottest.

// logBuffer collects a Source's log lines for the test to read.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// count counts the lines holding all of subs.
func (b *logBuffer) count(subs ...string) int {
	n := 0
next:
	for _, line := range strings.Split(b.String(), "\n") {
		for _, s := range subs {
			if !strings.Contains(line, s) {
				continue next
			}
		}
		n++
	}
	return n
}
