package state_test

import (
	"testing"

	"github.com/edgedesk/edgedesk/internal/event"
)

// A channel the hub configured is kept whole by id and replaced by its
// tenant's next change; another tenant's change of the same id is left
// out (ids are global: the id is in the webhook's URL), a delete removes
// it, and each change moves the version the edge watches.
func TestChannelConfigurations(t *testing.T) {
	s := open(t)
	l := &log{t: t, s: s}
	conf := func(tenant, inbox string, deleted bool) *event.Event {
		return &event.Event{Kind: event.KindChannelConfigured, Tenant: tenant, ChannelConf: &event.ChannelConfig{ID: "wa", Kind: "whatsapp",
			Inbox: inbox, Region: "eu", Credentials: "hpke1:AAAA", Keys: []string{"access_token"}, Deleted: deleted}}
	}
	get := func() []string {
		recs, err := s.ChannelConfs()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range recs {
			out = append(out, r.Tenant+"/"+r.Config.ID+"/"+r.Config.Inbox)
		}
		return out
	}
	v0 := s.ChannelVersion()
	l.apply(conf("acme", "support", false))
	if got := get(); len(got) != 1 || got[0] != "acme/wa/support" || s.ChannelVersion() == v0 {
		t.Fatalf("after the first: %v (version %d → %d)", got, v0, s.ChannelVersion())
	}
	l.apply(conf("acme", "sales", false))
	v1 := s.ChannelVersion()
	l.apply(conf("other", "theirs", false), conf("other", "", true))
	if got := get(); len(got) != 1 || got[0] != "acme/wa/sales" || s.ChannelVersion() != v1 {
		t.Fatalf("after another tenant's changes: %v (version %d → %d)", got, v1, s.ChannelVersion())
	}
	l.apply(conf("acme", "", true))
	if got := get(); len(got) != 0 || s.ChannelVersion() == v1 {
		t.Fatalf("after the delete: %v", got)
	}
	for _, bad := range []*event.ChannelConfig{
		{ID: "Bad Id", Kind: "whatsapp"},
		{ID: "wa", Kind: "icq"},
		{ID: "wa", Kind: "whatsapp", Inbox: "support", Region: "eu", Credentials: "clear text", Keys: []string{"k"}},
		{ID: "wa", Kind: "whatsapp", Inbox: "support", Region: "eu", Credentials: "hpke1:AA", Keys: []string{"k"}, APIBase: "http://example.com"},
	} {
		if err := bad.Check(); err == nil {
			t.Errorf("%+v passes its check", bad)
		}
	}
}
