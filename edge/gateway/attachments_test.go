package gateway_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
	"github.com/edgedesk/edgedesk/edge/protocol"
)

func pngBytes(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 255, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func upload(t *testing.T, base, token, ctype string, body []byte) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/attachments?name=photo.png", bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", ctype)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp, out
}

func TestAttachmentsAreLimitedAndServedOnlyToParticipants(t *testing.T) {
	cfg := edgetest.Config(t)
	cfg.Attachments.MaxBytes = 64 << 10
	e := edgetest.Start(t, cfg)
	alice := e.Agent("alice@demo.test", "")
	cust := e.Visitor()
	other := e.Visitor()
	tok := cust.Welcome.Session.Token
	img := pngBytes(t)

	for _, c := range []struct {
		name, token, ctype string
		body               []byte
		status             int
	}{
		{"no token", "", "image/png", img, http.StatusUnauthorized},
		{"forged token", tok + "x", "image/png", img, http.StatusUnauthorized},
		{"type not allowed", tok, "application/x-msdownload", []byte("MZ\x90\x00"), http.StatusUnsupportedMediaType},
		{"bytes are not the declared type", tok, "image/png", []byte("<html><script>alert(1)</script>"), http.StatusUnsupportedMediaType},
		{"too large", tok, "image/png", append(img, make([]byte, 70<<10)...), http.StatusRequestEntityTooLarge},
		{"empty", tok, "image/png", nil, http.StatusBadRequest},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, out := upload(t, e.URL, c.token, c.ctype, c.body)
			if resp.StatusCode != c.status || out["message"] == nil || out["code"] == nil {
				t.Fatalf("status %d body %v, want %d with a code and a message", resp.StatusCode, out, c.status)
			}
		})
	}

	resp, out := upload(t, e.URL, tok, "image/png", img)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %v", resp.StatusCode, out)
	}
	id := out["id"].(string)
	if out["size"].(float64) != float64(len(img)) || len(out["sha256"].(string)) != 64 {
		t.Fatalf("upload answer %v", out)
	}

	conv := startConv(t, cust, "c1")
	ack, err := cust.Request(ctxT(t), &gateway.InFrame{Type: gateway.TypeSend, Conv: conv, ClientID: "m1", Attachments: []string{id}})
	if err != nil {
		t.Fatalf("send with attachment: %v", err)
	}
	var got *protocol.OutFrame
	for got == nil || got.Item.Kind != "message" {
		got = edgetest.NextEvent(t, alice, gateway.OutEvent, wait)
	}
	if got.Seq != ack.Seq || len(got.Item.Attachments) != 1 || got.Item.Attachments[0] != id {
		t.Fatalf("agent got %+v", got.Item)
	}
	// Another customer may neither attach nor fetch it.
	oconv := startConv(t, other, "c1")
	if _, err := other.Request(ctxT(t), &gateway.InFrame{Type: gateway.TypeSend, Conv: oconv, ClientID: "m1", Attachments: []string{id}}); err == nil || !strings.Contains(err.Error(), "forbidden") {
		t.Fatalf("another customer attached someone else's upload: %v", err)
	}
	if r, _ := e.Get("/api/v1/attachments/"+id, other.Welcome.Session.Token); r.StatusCode != http.StatusForbidden {
		t.Fatalf("other customer download: %d, want 403", r.StatusCode)
	}
	if r, _ := e.Get("/api/v1/attachments/"+id, ""); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous download: %d, want 401", r.StatusCode)
	}
	for _, who := range []string{tok, alice.Welcome.Session.Token} {
		r, b := e.Get("/api/v1/attachments/"+id, who)
		if r.StatusCode != http.StatusOK || !bytes.Equal(b, img) || r.Header.Get("Content-Type") != "image/png" ||
			r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("participant download: %d %s, %d bytes", r.StatusCode, r.Header, len(b))
		}
	}
	if r, _ := e.Get("/api/v1/attachments/doesnotexist", tok); r.StatusCode != http.StatusNotFound {
		t.Fatalf("missing attachment: %d", r.StatusCode)
	}
	if v := metricValue(t, e.URL, `edgedesk_attachments_total{result="stored"}`); v != 1 {
		t.Fatalf("stored uploads metric = %v", v)
	}
}

// metricValue reads one series from /metrics.
func metricValue(t *testing.T, base, series string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, series+" ") {
			v, err := strconv.ParseFloat(strings.TrimPrefix(line, series+" "), 64)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
	t.Fatalf("series %s not in /metrics", series)
	return 0
}
