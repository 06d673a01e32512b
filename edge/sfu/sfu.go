// Package sfu is the edge's selective forwarding unit for calls: a room per
// call, each participant one WebRTC peer connection with the edge, every
// published audio and video track forwarded to the room's other
// participants without decoding it. RTCP is handled by pion's interceptors
// (NACK, receiver and sender reports, transport-wide congestion control)
// and by the forwarder for picture loss: a subscriber's PLI or FIR asks the
// publisher for a key frame. Signaling (offers, answers and ICE candidates)
// is the caller's: the edge carries it over its WebSocket protocol. See
// docs/calls.md.
package sfu

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	"github.com/pion/interceptor"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/edgedesk/edgedesk/edge/protocol"
)

// Role is what a participant may do in a call.
type Role string

// Roles. A supervisor listens without being heard until unmuted.
const (
	RoleCustomer   Role = "customer"
	RoleAgent      Role = "agent"
	RoleSupervisor Role = "supervisor"
)

// Config configures an SFU.
type Config struct {
	// PortMin and PortMax bound the UDP ports of its ICE candidates
	// (0, 0: any).
	PortMin, PortMax uint16
	// Loopback gathers loopback candidates too: for tests and --dev,
	// where clients reach the edge on 127.0.0.1.
	Loopback bool
	// UDP, when set, is one UDP socket every call's media goes through
	// (ICE UDP mux): one port to open in a firewall, one socket instead of
	// one per connection. The SFU closes it.
	UDP net.PacketConn
	Log *slog.Logger
}

// SFU owns the rooms of one edge.
type SFU struct {
	api *webrtc.API
	log *slog.Logger
	udp net.PacketConn

	mu     sync.Mutex
	rooms  map[string]*Room
	closed bool
}

// New makes an SFU.
func New(cfg Config) (*SFU, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	ir, err := interceptors(me)
	if err != nil {
		return nil, err
	}
	var se webrtc.SettingEngine
	if cfg.PortMin != 0 || cfg.PortMax != 0 {
		if err := se.SetEphemeralUDPPortRange(cfg.PortMin, cfg.PortMax); err != nil {
			return nil, fmt.Errorf("sfu ports %d-%d: %w", cfg.PortMin, cfg.PortMax, err)
		}
	}
	se.SetIncludeLoopbackCandidate(cfg.Loopback)
	if cfg.UDP != nil {
		se.SetICEUDPMux(webrtc.NewICEUDPMux(nil, cfg.UDP))
	}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	return &SFU{
		api:   webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)),
		log:   cfg.Log,
		udp:   cfg.UDP,
		rooms: map[string]*Room{},
	}, nil
}

// interceptors are the RTCP machinery of every connection: NACK (asking
// publishers for lost packets, answering subscribers' asks from a
// buffer), sender and receiver reports, transport-wide congestion control
// feedback for the publishers' bandwidth estimation, and the simulcast
// header extensions, and the audio level and video orientation extensions
// that are forwarded. pion's defaults also count every packet for
// GetStats, which the SFU does not call (it counts what it forwards
// itself), so that interceptor and its goroutine are left out.
func interceptors(me *webrtc.MediaEngine) (*interceptor.Registry, error) {
	ir := &interceptor.Registry{}
	if err := webrtc.ConfigureNack(me, ir); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureSimulcastExtensionHeaders(me); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureTWCCSender(me, ir); err != nil {
		return nil, err
	}
	// forwarded to subscribers (room.go: forwardedURIs)
	if err := me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	if err := me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: videoOrientationURI}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, err
	}
	return ir, nil
}

// Close ends every call.
func (s *SFU) Close() {
	s.mu.Lock()
	s.closed = true
	rooms := make([]*Room, 0, len(s.rooms))
	for _, r := range s.rooms {
		rooms = append(rooms, r)
	}
	s.mu.Unlock()
	for _, r := range rooms {
		r.close()
	}
	if s.udp != nil {
		s.udp.Close()
	}
}

// Rooms is the number of calls now.
func (s *SFU) Rooms() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.rooms)
}

// ErrClosed is returned by Join once the SFU is closed.
var ErrClosed = errors.New("the media server is shutting down")

// ErrInRoom is returned by Join for a participant already in the room.
var ErrInRoom = errors.New("already in this call")

// Join adds participant id with role to room (made when it is the
// first). send carries the SFU's signals to the participant's client; the
// client's signals go to the returned Peer's Signal. The client offers
// first, with the tracks it publishes.
func (s *SFU) Join(room, id string, role Role, send func(Signal)) (*Peer, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	r := s.rooms[room]
	if r == nil {
		r = &Room{id: room, sfu: s, peers: map[string]*Peer{}}
		s.rooms[room] = r
	}
	s.mu.Unlock()
	return r.join(id, role, send)
}

// removeRoom forgets an empty room.
func (s *SFU) removeRoom(r *Room) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rooms[r.id] == r {
		delete(s.rooms, r.id)
	}
}

// Signal is a signaling message between a client and the SFU: an offer,
// an answer or an ICE candidate, as the edge's WebSocket protocol carries
// it (edge/protocol).
type Signal = protocol.Signal
