package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/config"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
	"github.com/edgedesk/edgedesk/hub/hubtest"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// linkedEdge is the config of a --dev edge named name in region that
// enrols with h's dev token.
func linkedEdge(t *testing.T, h *hubtest.Hub, name, region string) config.Config {
	cfg := edgetest.Config(t)
	cfg.Node.ID, cfg.Node.Region = name, region
	cfg.Hub.Addr, cfg.Hub.EnrollTokenFile = h.QUICAddr(), h.DevToken()
	cfg.Gateway.CustomerRate = 10000 // the tests' visitors write as fast as acks come
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// chat has a visitor write n messages (texts "<tag>-<i>") and leave an
// e-mail address, and returns the visitor.
func chat(t *testing.T, e *edgetest.Edge, tag string, n int) {
	t.Helper()
	ctx := ctxT(t)
	v := e.Visitor()
	defer v.Close()
	st, err := v.Start(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := v.Message(ctx, st.Conv, fmt.Sprintf("m%d", i), fmt.Sprintf("%s-%d", tag, i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := v.Request(ctx, &gateway.InFrame{Type: gateway.TypeProfile, Name: "Zed " + tag, Email: tag + "@example.com"}); err != nil {
		t.Fatal(err)
	}
}

func lastSeq(t *testing.T, e *edgetest.Edge) uint64 {
	t.Helper()
	s, err := e.Node.Bus().LastSeq(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// synced waits for the hub to hold and apply the edge's whole log and
// checks it is the edge's log exactly.
func synced(t *testing.T, h *hubtest.Hub, e *edgetest.Edge) hubtest.Diff {
	t.Helper()
	if err := h.WaitSynced(e.Config.Node.ID, lastSeq(t, e), time.Minute); err != nil {
		t.Fatal(err)
	}
	d, err := hubtest.Compare(ctxT(t), h, e.Config.Node.ID, e.Node.Bus())
	if err != nil {
		t.Fatal(err)
	}
	if !d.OK() {
		t.Fatalf("the hub's copy of %s differs from the edge's log: %+v", e.Config.Node.ID, d)
	}
	return d
}

// An edge enrols with the dev token, ships its log, and the hub holds
// exactly that log, applied to its state; what the tenant keeps in region
// is nowhere on the hub in clear, while what it does not keep is.
func TestEdgeLogReachesTheHubSealed(t *testing.T) {
	h := hubtest.Start(t)
	e := edgetest.Start(t, linkedEdge(t, h, "eu-1", "eu"))
	chat(t, e, "secret-text", 30)
	d := synced(t, h, e)
	if d.Edge < 30 {
		t.Fatalf("only %d events compared", d.Edge)
	}
	// The hub's state has the conversation, with its region.
	resp, err := h.Get("/api/v1/conversations?tenant=demo")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var list struct {
		Conversations []struct {
			Edge, Region string
			Messages     int
		}
	}
	if err := json.Unmarshal(body, &list); err != nil || len(list.Conversations) != 1 || list.Conversations[0].Region != "eu" || list.Conversations[0].Messages != 30 {
		t.Fatalf("hub conversations = %s (%v), want one in eu with 30 messages", body, err)
	}
	// Sealed: no message text, name or address in the hub's files or API.
	secrets := []string{"secret-text-", "Zed secret", "secret-text@example.com"}
	for _, s := range secrets {
		if bytes.Contains(body, []byte(s)) {
			t.Errorf("the hub's API shows %q in clear", s)
		}
	}
	// a customer the website identifies by a guessable id: a customer
	// number, as shops have
	const userID = "customer-004711"
	ident := e.Customer(&client.Hello{Inbox: edge.DemoInbox, User: &gateway.UserIdentity{ID: userID,
		Hash: auth.IdentityHash(edge.DemoIdentitySecret, userID)}})
	if st, err := ident.Start(ctxT(t), "c1"); err != nil {
		t.Fatal(err)
	} else if _, err := ident.Message(ctxT(t), st.Conv, "m1", "secret-text-identified"); err != nil {
		t.Fatal(err)
	}
	contactID := ident.Welcome.Session.ID
	ident.Close()
	synced(t, h, e)
	h.Stop() // flush everything to disk
	found := scan(t, h.Config.DataDir, append(secrets, "Orders ship within 2 business days")...)
	for _, s := range secrets {
		if found[s] {
			t.Errorf("the hub's data directory holds %q in clear", s)
		}
	}
	// the positive control: canned responses are not kept in region, so
	// the scan must find one, or it proves nothing
	if !found["Orders ship within 2 business days"] {
		t.Fatal("the scan did not find a canned response the hub holds in clear: it cannot see clear text")
	}
	// The website's user id is kept in region too, so the hub must not be
	// able to confirm a guess either: hashing every candidate id the way
	// contact ids were once derived (sha256 of tenant, inbox and user id)
	// must match none of the ids the hub holds.
	held := contactIDs(t, h.Config.DataDir)
	if !held[contactID] {
		t.Fatalf("the scan did not find the identified customer's contact id %s among the %d the hub holds: it cannot see ids", contactID, len(held))
	}
	for i := range 100000 {
		guess := fmt.Sprintf("customer-%06d", i)
		if id := auth.DerivedID("u", edge.DemoTenant, edge.DemoInbox, guess); held[id] {
			t.Fatalf("trying user ids against the hub's data found %q: contact %s", guess, id)
		}
	}
}

// contactIDRE matches what a derived contact id looks like: "u" and 26
// characters of lower-case base32.
var contactIDRE = regexp.MustCompile(`u[a-z2-7]{26}`)

// contactIDs is every string shaped like a contact id in the files under
// dir: what someone holding the hub's files can try guesses against.
func contactIDs(t *testing.T, dir string) map[string]bool {
	ids := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := readData(path)
		if err != nil {
			return err
		}
		for _, m := range contactIDRE.FindAll(b, -1) {
			ids[string(m)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// readData reads what a file holds: its data, not its holes (a store's
// log file is gigabytes long and mostly holes). Where the file system
// cannot say, it reads the whole.
func readData(path string) ([]byte, error) {
	const seekData, seekHole = 3, 4 // lseek(2)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []byte
	for off := int64(0); ; {
		start, err := f.Seek(off, seekData)
		if err != nil {
			if off == 0 && !errors.Is(err, syscall.ENXIO) {
				return os.ReadFile(path) // no SEEK_DATA here
			}
			return out, nil // ENXIO: no data past off
		}
		end, err := f.Seek(start, seekHole)
		if err != nil {
			return os.ReadFile(path)
		}
		b := make([]byte, end-start)
		if _, err := f.ReadAt(b, start); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		out, off = append(out, b...), end
	}
}

// scan reports which of the strings occur in any file under dir.
func scan(t *testing.T, dir string, ss ...string) map[string]bool {
	found := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := readData(path)
		if err != nil {
			return err
		}
		for _, s := range ss {
			if bytes.Contains(b, []byte(s)) {
				found[s] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// The hub restarts while an edge writes, and the edge restarts while the
// hub is up: afterwards the hub holds the edge's log exactly, nothing
// missing, nothing twice.
func TestSyncSurvivesRestarts(t *testing.T) {
	h := hubtest.Start(t)
	e := edgetest.Start(t, linkedEdge(t, h, "us-1", "us"))
	chat(t, e, "before", 20)
	synced(t, h, e)

	done := make(chan struct{})
	go func() {
		defer close(done)
		chat(t, e, "during-hub-restart", 100)
	}()
	time.Sleep(50 * time.Millisecond)
	h.Restart()
	<-done
	synced(t, h, e)

	h.Stop()
	chat(t, e, "while-hub-down", 20) // the edge serves alone
	if st := e.Node.Uplink().Status(); st.Connected {
		t.Fatalf("uplink status with the hub down = %+v", st)
	}
	e.Restart()
	chat(t, e, "after-edge-restart", 20)
	h.Restart()
	synced(t, h, e)

	// the edge restarts while it ships a backlog
	h.Stop()
	chat(t, e, "backlog", 300)
	h.Restart()
	time.Sleep(30 * time.Millisecond)
	e.Restart()
	synced(t, h, e)
	if st := e.Node.Uplink().Status(); !st.Connected || st.AckedSeq != lastSeq(t, e) {
		t.Fatalf("uplink status = %+v, want connected and acked up to %d", st, lastSeq(t, e))
	}

	// the hub's state of the edge is lost: it is rebuilt from the hub's log
	h.Stop()
	if err := os.RemoveAll(filepath.Join(h.Config.DataDir, "state", "us-1")); err != nil {
		t.Fatal(err)
	}
	h.Restart()
	synced(t, h, e)
	resp, err := h.Get("/api/v1/conversations?tenant=demo&limit=500")
	if err != nil {
		t.Fatal(err)
	}
	var list struct{ Conversations []json.RawMessage }
	err = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if err != nil || len(list.Conversations) != 5 { // one per chat above
		t.Fatalf("after the rebuild the hub lists %d conversations (%v)", len(list.Conversations), err)
	}
}

// The edge's status API says what the hub has, behind the admin token.
func TestEdgeStatusAPI(t *testing.T) {
	h := hubtest.Start(t)
	e := edgetest.Start(t, linkedEdge(t, h, "ap-1", "ap"))
	chat(t, e, "hello", 3)
	synced(t, h, e)
	tok, err := os.ReadFile(filepath.Join(e.Config.DataDir, "dev-admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	resp, body := e.Get("/api/v1/status", strings.TrimSpace(string(tok)))
	var st struct {
		EdgeID  string `json:"edge_id"`
		Region  string
		LastSeq uint64 `json:"last_seq"`
		Hub     struct {
			Connected bool
			AckedSeq  uint64 `json:"acked_seq"`
		}
	}
	if err := json.Unmarshal(body, &st); err != nil || resp.StatusCode != 200 || st.EdgeID != "ap-1" || st.Region != "ap" || !st.Hub.Connected || st.Hub.AckedSeq != st.LastSeq || st.LastSeq == 0 {
		t.Fatalf("status = %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.Get("/api/v1/status", "wrong-token"); resp.StatusCode != 401 {
		t.Fatalf("status with a wrong token: %d, want 401", resp.StatusCode)
	}
	hr, err := h.Get("/api/v1/edges")
	if err != nil {
		t.Fatal(err)
	}
	hb, _ := io.ReadAll(hr.Body)
	hr.Body.Close()
	var edges struct {
		Edges []map[string]any
	}
	if err := json.Unmarshal(hb, &edges); err != nil || len(edges.Edges) != 1 {
		t.Fatalf("hub edges = %s", hb)
	}
	got := edges.Edges[0]
	for _, k := range []string{"id", "region", "connected", "last_seq_received", "last_seq_applied", "lag_seconds", "events_total"} {
		if _, ok := got[k]; !ok {
			t.Errorf("hub edge status lacks %q: %s", k, hb)
		}
	}
	if got["id"] != "ap-1" || got["connected"] != true || got["last_seq_received"] != float64(st.LastSeq) {
		t.Fatalf("hub edge status = %s, want ap-1 connected with %d", hb, st.LastSeq)
	}
}

var _ = client.Hello{}
