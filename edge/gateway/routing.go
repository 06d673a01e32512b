package gateway

import (
	"sync"
	"time"
)

// router is the built-in assignment rule: the online agent with the fewest
// unresolved conversations who is under their chat limit; among equals, the
// one who waited longest since their last assignment. Decisions of one
// tenant are made one at a time, each after the previous assignment is in
// the state, so concurrent openings never over-assign.
type router struct {
	g     *Gateway
	mu    sync.Mutex
	locks map[string]*sync.Mutex
	last  map[string]time.Time // tenant/agent → last assignment
}

func newRouter(g *Gateway) *router {
	return &router{g: g, locks: map[string]*sync.Mutex{}, last: map[string]time.Time{}}
}

// lock serializes assignment decisions of a tenant; call the returned
// function when the decision is in the log.
func (r *router) lock(tenant string) func() {
	r.mu.Lock()
	l := r.locks[tenant]
	if l == nil {
		l = &sync.Mutex{}
		r.locks[tenant] = l
	}
	r.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// pick returns the agent to assign, or "" to queue the conversation.
func (r *router) pick(tenant string) string {
	best, bestLoad := "", 0
	var bestLast time.Time
	for _, a := range r.g.presence.online(tenant) {
		rec, err := r.g.store.Agent(tenant, a)
		if err != nil {
			continue
		}
		load, err := r.g.store.AgentLoad(tenant, a)
		if err != nil {
			continue
		}
		if rec.MaxChats > 0 && load >= rec.MaxChats {
			continue
		}
		r.mu.Lock()
		last := r.last[tenant+"/"+a]
		r.mu.Unlock()
		if best == "" || load < bestLoad || load == bestLoad && last.Before(bestLast) {
			best, bestLoad, bestLast = a, load, last
		}
	}
	if best != "" {
		r.mu.Lock()
		r.last[tenant+"/"+best] = time.Now()
		r.mu.Unlock()
	}
	return best
}
