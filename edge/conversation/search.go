package conversation

import (
	"context"
	"errors"
	"strings"

	"github.com/edgedesk/edgedesk/edge/search"
	"github.com/edgedesk/edgedesk/internal/state"
)

// Searcher is the full-text index (edge/search).
type Searcher interface {
	Search(ctx context.Context, tenant, q string, limit int, private bool) ([]search.Hit, int, error)
}

// Found is a message a search found, with its conversation as it is now.
type Found struct {
	search.Hit
	Conv *state.ConversationRec
}

// Search finds the tenant's messages and notes that hold every word of q
// (agents and the system), best first, at most limit (≤ search.MaxHits),
// and how many match in all. A query that is empty, too long or not
// UTF-8 is refused, saying so.
func (s *Service) Search(ctx context.Context, a Actor, q string, limit int) ([]Found, int, error) {
	if err := staffOnly(a, "search conversations"); err != nil {
		return nil, 0, err
	}
	if s.search == nil {
		return nil, 0, &Error{Unavailable, "this edge has no search index"}
	}
	hits, total, err := s.search.Search(ctx, a.Tenant, q, limit, true)
	if errors.Is(err, search.ErrQuery) {
		return nil, 0, invalid("%s", strings.TrimPrefix(err.Error(), search.ErrQuery.Error()+": "))
	}
	if err != nil {
		return nil, 0, err
	}
	out := make([]Found, 0, len(hits))
	for _, h := range hits {
		c, err := s.store.Conversation(a.Tenant, h.Conv)
		if err != nil {
			continue // not in this node's state yet
		}
		out = append(out, Found{Hit: h, Conv: c})
	}
	return out, total, nil
}
