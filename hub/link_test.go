package hub_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/uplink"
	"github.com/edgedesk/edgedesk/hub/hubtest"
	"github.com/edgedesk/edgedesk/internal/syncproto"
)

// An uplink whose token the hub refuses (used already) stops with an error
// that says to get a new one, rather than trying the same token for ever.
func TestRefusedTokenStopsTheUplink(t *testing.T) {
	h := hubtest.Start(t)
	tok, err := h.IssueToken("eu-7", "eu")
	if err != nil {
		t.Fatal(err)
	}
	file := writeToken(t, tok)
	if err := uplink.Enroll(ctxT(t), h.QUICAddr(), file, "eu-7", "eu", t.TempDir(), syncproto.QUICConfig()); err != nil {
		t.Fatal(err)
	}
	u := uplink.New(uplink.Options{Addr: h.QUICAddr(), Dir: t.TempDir(), EnrollTokenFile: file, Name: "eu-7", Region: "eu",
		Log: edgetest.Logger(t), QUIC: syncproto.QUICConfig(), MaxBackoff: 100 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = u.Run(ctx)
	if ctx.Err() != nil {
		t.Fatal("the uplink went on trying a used token for 20 s")
	}
	for _, want := range []string{"unknown or already used", "get a new token with `hub enroll-token`"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("Run = %v, want an error saying %q", err, want)
		}
	}
	if st := u.Status(); st.Error != err.Error() {
		t.Fatalf("Status().Error = %q, want Run's error", st.Error)
	}
}
