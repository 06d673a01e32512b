package syncproto

import (
	"time"

	"github.com/quic-go/quic-go"
)

// QUICConfig is the QUIC configuration of both sides: windows large enough
// for a full pipeline of batches on a fast link, and keep-alives so that a
// silent link is noticed within seconds.
func QUICConfig() *quic.Config {
	return &quic.Config{
		HandshakeIdleTimeout:           5 * time.Second,
		MaxIdleTimeout:                 15 * time.Second,
		KeepAlivePeriod:                3 * time.Second,
		InitialStreamReceiveWindow:     4 << 20,
		MaxStreamReceiveWindow:         32 << 20,
		InitialConnectionReceiveWindow: 4 << 20,
		MaxConnectionReceiveWindow:     48 << 20,
		MaxIncomingStreams:             4,
		MaxIncomingUniStreams:          -1,
	}
}
