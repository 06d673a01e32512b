// Package faultproxy is a UDP proxy for tests that makes a loopback link
// behave like a bad network, or a hostile one: it drops, delays, reorders,
// duplicates and corrupts datagrams, and cuts the link entirely for a
// while.
package faultproxy

import (
	"errors"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Faults say what happens to each datagram, in either direction.
type Faults struct {
	Drop      float64       // probability a datagram is lost
	Duplicate float64       // probability it is sent twice
	Corrupt   float64       // probability one of its bytes is flipped (tampering on the wire)
	Delay     time.Duration // every datagram waits this long
	Jitter    time.Duration // plus up to this much more: datagrams overtake each other
}

// Proxy forwards datagrams between clients and one upstream address.
type Proxy struct {
	ln       *net.UDPConn
	upstream *net.UDPAddr
	faults   atomic.Pointer[Faults]
	cut      atomic.Bool

	mu      sync.Mutex
	clients map[string]*net.UDPConn // client address → socket to upstream
	closed  bool
	wg      sync.WaitGroup

	Forwarded, Dropped, Duplicated, Corrupted atomic.Int64
}

// New listens on 127.0.0.1 and forwards to upstream.
func New(upstream string) (*Proxy, error) {
	up, err := net.ResolveUDPAddr("udp", upstream)
	if err != nil {
		return nil, err
	}
	ln, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, upstream: up, clients: map[string]*net.UDPConn{}}
	p.faults.Store(&Faults{})
	p.wg.Add(1)
	go p.fromClients()
	return p, nil
}

// Addr is where clients send.
func (p *Proxy) Addr() string { return p.ln.LocalAddr().String() }

// Set changes the faults from now on.
func (p *Proxy) Set(f Faults) { p.faults.Store(&f) }

// Cut drops every datagram while on.
func (p *Proxy) Cut(on bool) { p.cut.Store(on) }

// Close stops the proxy.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	for _, c := range p.clients {
		c.Close()
	}
	p.mu.Unlock()
	err := p.ln.Close()
	p.wg.Wait()
	return err
}

func (p *Proxy) fromClients() {
	defer p.wg.Done()
	buf := make([]byte, 64<<10)
	for {
		n, from, err := p.ln.ReadFromUDP(buf)
		if err != nil {
			return
		}
		up, err := p.upstreamFor(from)
		if err != nil {
			continue
		}
		p.forward(buf[:n], func(b []byte) { _, _ = up.Write(b) })
	}
}

// upstreamFor returns the socket that carries a client's datagrams, making
// it (and the goroutine that carries the answers back) on first use.
func (p *Proxy) upstreamFor(client *net.UDPAddr) (*net.UDPConn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errors.New("closed")
	}
	if c, ok := p.clients[client.String()]; ok {
		return c, nil
	}
	c, err := net.DialUDP("udp", nil, p.upstream)
	if err != nil {
		return nil, err
	}
	p.clients[client.String()] = c
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		buf := make([]byte, 64<<10)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			p.forward(buf[:n], func(b []byte) { _, _ = p.ln.WriteToUDP(b, client) })
		}
	}()
	return c, nil
}

// forward sends a copy of b through send, after the faults.
func (p *Proxy) forward(b []byte, send func([]byte)) {
	f := p.faults.Load()
	if p.cut.Load() || rand.Float64() < f.Drop {
		p.Dropped.Add(1)
		return
	}
	copies := 1
	if rand.Float64() < f.Duplicate {
		copies = 2
		p.Duplicated.Add(1)
	}
	b = append([]byte(nil), b...)
	if len(b) > 0 && rand.Float64() < f.Corrupt {
		b[rand.IntN(len(b))] ^= 0x5a
		p.Corrupted.Add(1)
	}
	for range copies {
		wait := f.Delay
		if f.Jitter > 0 {
			wait += time.Duration(rand.Int64N(int64(f.Jitter)))
		}
		p.Forwarded.Add(1)
		if wait <= 0 {
			send(b)
			continue
		}
		time.AfterFunc(wait, func() { send(b) })
	}
}
