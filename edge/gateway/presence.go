package gateway

import (
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/edgedesk/edgedesk/edge/protocol"
)

var errLive = errors.New("malformed live message")

// Agent presence values.
const (
	PresenceOnline  = protocol.PresenceOnline
	PresenceAway    = protocol.PresenceAway
	PresenceOffline = protocol.PresenceOffline
)

func validPresence(s string) bool {
	return s == PresenceOnline || s == PresenceAway || s == PresenceOffline
}

// presence tracks each agent's status on every node of the region; an agent
// is online if any node has them online.
type presence struct {
	node string
	mu   sync.Mutex
	m    map[string]map[string]map[string]string // tenant → agent → node → status
	seen map[string]time.Time                    // other node → last heard from
}

func newPresence(node string) *presence {
	return &presence{node: node, m: map[string]map[string]map[string]string{}, seen: map[string]time.Time{}}
}

// touch records that a node is alive.
func (p *presence) touch(node string, now time.Time) {
	if node == p.node {
		return
	}
	p.mu.Lock()
	p.seen[node] = now
	p.mu.Unlock()
}

// expire forgets what other nodes said about their agents when a node has
// not been heard from since before, and returns the tenant and agent of
// every status that changed.
func (p *presence) expire(before time.Time) [][2]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var changed [][2]string
	for node, at := range p.seen {
		if !at.Before(before) {
			continue
		}
		delete(p.seen, node)
		for tenant, agents := range p.m {
			for agent, nodes := range agents {
				if _, ok := nodes[node]; !ok {
					continue
				}
				was := p.statusLocked(tenant, agent)
				delete(nodes, node)
				if p.statusLocked(tenant, agent) != was {
					changed = append(changed, [2]string{tenant, agent})
				}
			}
		}
	}
	return changed
}

// set records a node's status for an agent and reports whether the agent's
// overall status changed.
func (p *presence) set(tenant, agent, node, status string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	before := p.statusLocked(tenant, agent)
	ag := p.m[tenant]
	if ag == nil {
		ag = map[string]map[string]string{}
		p.m[tenant] = ag
	}
	nodes := ag[agent]
	if nodes == nil {
		nodes = map[string]string{}
		ag[agent] = nodes
	}
	if status == PresenceOffline {
		delete(nodes, node)
	} else {
		nodes[node] = status
	}
	return before != p.statusLocked(tenant, agent)
}

func (p *presence) status(tenant, agent string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.statusLocked(tenant, agent)
}

func (p *presence) statusLocked(tenant, agent string) string {
	st := PresenceOffline
	for _, s := range p.m[tenant][agent] {
		if s == PresenceOnline {
			return PresenceOnline
		}
		st = PresenceAway
	}
	return st
}

// online lists the agents of a tenant who are online, sorted.
func (p *presence) online(tenant string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for a := range p.m[tenant] {
		if p.statusLocked(tenant, a) == PresenceOnline {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// all returns every known agent's status in a tenant.
func (p *presence) all(tenant string) map[string]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]string{}
	for a := range p.m[tenant] {
		out[a] = p.statusLocked(tenant, a)
	}
	return out
}

// Staff is a tenant's agents in the region now: online, away, and the
// online ones with at least one unresolved conversation assigned (busy).
type Staff struct {
	Tenant             string
	Online, Away, Busy int
}

// Staff counts every tenant's agents as the region's presence has them,
// by tenant; an agent's conversations come from the state.
func (g *Gateway) Staff() []Staff {
	g.presence.mu.Lock()
	status := map[string]map[string]string{}
	for tenant, agents := range g.presence.m {
		for agent := range agents {
			if status[tenant] == nil {
				status[tenant] = map[string]string{}
			}
			status[tenant][agent] = g.presence.statusLocked(tenant, agent)
		}
	}
	g.presence.mu.Unlock()
	out := make([]Staff, 0, len(status))
	for tenant, agents := range status {
		s := Staff{Tenant: tenant}
		for agent, st := range agents {
			switch st {
			case PresenceOnline:
				s.Online++
				if load, err := g.store.AgentLoad(tenant, agent); err == nil && load > 0 {
					s.Busy++
				}
			case PresenceAway:
				s.Away++
			}
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Tenant < out[j].Tenant })
	return out
}
