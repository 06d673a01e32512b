package wecom

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/wxcrypt"
)

// FuzzReceive feeds Receive arbitrary bodies and query values under the
// published sample's credentials. With sealed, body is the plaintext of a
// callback that is encrypted and signed as WeCom does, so that the
// decrypted event's parsing is reached too. Receive must never panic, and
// what it accepts must be bounded.
func FuzzReceive(f *testing.F) {
	a := sampleAdapter(f, sampleCorpID)
	c, err := wxcrypt.New(sampleToken, sampleKey, sampleCorpID)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(samplePostBody), samplePostSig, fmt.Sprint(samplePostTS), samplePostNonce, false, false)
	f.Add([]byte(nil), sampleVerifySig, fmt.Sprint(sampleVerifyTS), sampleVerifyNoce, true, false)
	f.Add([]byte("<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><CreateTime>1409659813</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event><Token><![CDATA[ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR]]></Token><OpenKfId><![CDATA[wkxxxxxxx]]></OpenKfId></xml>"), "", fmt.Sprint(samplePostTS), "1", false, true)
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Token>&a;</Token></xml>`), "", fmt.Sprint(samplePostTS), "1", false, true)
	f.Add([]byte("<xml><Encrypt>AAAA</Encrypt></xml>"), "0000", "x", "", false, false)
	now := time.Unix(samplePostTS, 0)
	f.Fuzz(func(t *testing.T, body []byte, sig, ts, nonce string, get, sealed bool) {
		r := &channels.Request{Method: http.MethodPost, Query: url.Values{"msg_signature": {sig}, "timestamp": {ts}, "nonce": {nonce}}, Body: body, Now: now}
		switch {
		case get:
			r.Method, r.Body = http.MethodGet, nil
			r.Query.Set("echostr", string(body))
		case sealed:
			enc, err := c.Encrypt(body)
			if err != nil {
				t.Fatal(err)
			}
			r.Body = []byte("<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>")
			r.Query.Set("msg_signature", c.Sign(ts, nonce, enc))
		}
		resp, in, err := a.Receive(context.Background(), r)
		if err != nil {
			var ref *channels.Refusal
			if !errors.As(err, &ref) || ref.Status < 400 || ref.Status > 499 || ref.Code == "" {
				t.Fatalf("a refusal that is not a 4xx Refusal: %v", err)
			}
			return
		}
		if len(resp.Body) > len(body)+64 {
			t.Fatalf("an answer of %d bytes to a body of %d", len(resp.Body), len(body))
		}
		for _, i := range in {
			if i.ID == "" || len(i.ID) > maxID+8 || i.Sync == "" || len(i.Sync) > maxID || len(i.Chat) > maxID || !utf8.ValidString(i.Chat+i.Sync) {
				t.Fatalf("an unbounded Inbound: %+v", i)
			}
		}
		if len(in) > 1 {
			t.Fatalf("%d Inbound from one callback", len(in))
		}
	})
}
