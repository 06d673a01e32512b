package wecomtest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// call makes one request to the fake and returns its errcode and answer.
func call(t *testing.T, method, target, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, target, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: %q is not JSON", target, b)
	}
	code, _ := out["errcode"].(float64)
	return int(code), out
}

// The fake refuses what WeCom refuses, in WeCom's errcodes.
func TestFakeEnforces(t *testing.T) {
	p := New(t)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "success") }))
	defer hook.Close()
	base := p.APIBase()
	c := p.Credentials()

	if code, _ := call(t, "GET", base+"/cgi-bin/gettoken?corpid="+c["corpid"]+"&corpsecret=wrong", ""); code != 40001 {
		t.Fatalf("a wrong secret: %d", code)
	}
	_, out := call(t, "GET", base+"/cgi-bin/gettoken?corpid="+c["corpid"]+"&corpsecret="+c["secret"], "")
	tok, _ := out["access_token"].(string)
	api := func(path string) string { return base + path + "?access_token=" + tok }

	if code, _ := call(t, "POST", base+"/cgi-bin/kf/sync_msg", "{}"); code != 41001 {
		t.Fatalf("no access token: %d", code)
	}
	if code, _ := call(t, "POST", base+"/cgi-bin/kf/sync_msg?access_token=forged", "{}"); code != 40014 {
		t.Fatalf("a forged access token: %d", code)
	}
	if code, _ := call(t, "POST", api("/cgi-bin/kf/sync_msg"), `{"token":"made-up"}`); code != 95007 {
		t.Fatalf("a made-up callback token: %d", code)
	}
	if code, _ := call(t, "POST", api("/cgi-bin/kf/sync_msg"), `{"cursor":"%%%"}`); code != 40058 {
		t.Fatalf("a made-up cursor: %d", code)
	}
	if _, _, err := p.Say(context.Background(), hook.URL, "wmX", "hi"); err != nil {
		t.Fatal(err)
	}
	_, page := call(t, "POST", api("/cgi-bin/kf/sync_msg"), `{"open_kfid":"`+p.OpenKfID()+`"}`)
	if list, _ := page["msg_list"].([]any); len(list) != 1 || page["next_cursor"] == "" {
		t.Fatalf("sync_msg answered %v", page)
	}
	send := `{"touser":"wmX","open_kfid":"` + p.OpenKfID() + `","msgtype":"text","text":{"content":"x"}}`
	if code, _ := call(t, "POST", api("/cgi-bin/kf/send_msg"), send); code != 95018 {
		t.Fatalf("a send in state 0: %d", code)
	}
	if code, _ := call(t, "POST", api("/cgi-bin/kf/send_msg"), strings.Replace(send, `"msgtype"`, `"msgid":"has spaces","msgtype"`, 1)); code != 40058 {
		t.Fatalf("a bad msgid: %d", code)
	}
	if code, _ := call(t, "POST", api("/cgi-bin/kf/service_state/trans"), `{"open_kfid":"`+p.OpenKfID()+`","external_userid":"wmX","service_state":3}`); code != 95014 {
		t.Fatalf("state 3 without a servicer: %d", code)
	}
	p.Expire()
	if code, _ := call(t, "POST", api("/cgi-bin/kf/send_msg"), send); code != 42001 {
		t.Fatalf("an expired token: %d", code)
	}
}
