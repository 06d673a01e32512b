package imapsource

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/edgedesk/edgedesk/edge/config"
	"github.com/edgedesk/edgedesk/edge/email/imapsource/dovecottest"
)

func mail(subject string) []byte {
	return []byte("From: Customer <customer@example.com>\r\n" +
		"To: support@company.example\r\n" +
		"Subject: " + subject + "\r\n" +
		"Message-ID: <" + strings.ReplaceAll(subject, " ", ".") + "@example.com>\r\n" +
		"Date: Fri, 04 Dec 2026 10:00:00 +0000\r\n" +
		"\r\n" +
		"Hello, this is " + subject + ".\r\n")
}

// recorder is a Deliver that keeps what it is given.
type recorder struct {
	mu   sync.Mutex
	got  [][]byte
	hook func(ctx context.Context, raw []byte) error // nil: accept
}

func (r *recorder) deliver(ctx context.Context, raw []byte) error {
	r.mu.Lock()
	hook := r.hook
	r.mu.Unlock()
	if hook != nil {
		if err := hook(ctx, raw); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, bytes.Clone(raw))
	return nil
}

func (r *recorder) delivered() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// wait waits until n mails are delivered and returns them.
func (r *recorder) wait(t *testing.T, n int, within time.Duration) [][]byte {
	t.Helper()
	waitFor(t, within, func() bool { return len(r.delivered()) >= n })
	return r.delivered()
}

func waitFor(t *testing.T, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s", within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fixture is one test case's mailbox, files and Source runs.
type fixture struct {
	t     *testing.T
	d     *dovecottest.Dovecot
	user  string
	pass  string // the user's password
	opts  Options
	rec   *recorder
	log   *logBuffer
	state string
}

func newFixture(t *testing.T, d *dovecottest.Dovecot) *fixture {
	dir := t.TempDir()
	pw := filepath.Join(dir, "password")
	user, password := d.NewUser(t)
	if err := os.WriteFile(pw, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, d: d, user: user, pass: password, rec: &recorder{}, log: &logBuffer{}, state: filepath.Join(dir, "state", "imap.json")}
	f.opts = Options{
		Config:    config.IMAP{Addr: d.Addr, TLS: "none", User: f.user, PasswordFile: pw},
		Name:      "test-" + f.user,
		StateFile: f.state,
		Deliver:   f.rec.deliver,
		Log:       slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("source log:\n%s", f.log.String())
		}
	})
	return f
}

// start runs a Source with f.opts until the returned stop is called (or
// the test ends).
func (f *fixture) start() (src *Source, stop func()) {
	t := f.t
	t.Helper()
	src, err := New(f.opts)
	if err != nil {
		t.Fatal(err)
	}
	src.minBackoff, src.maxBackoff = 20*time.Millisecond, 200*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Error("Run did not return within 10s of its context ending")
			}
		})
	}
	t.Cleanup(stop)
	return src, stop
}

func (f *fixture) loadState() state {
	f.t.Helper()
	st, ok, err := loadState(f.state)
	if err != nil || !ok {
		f.t.Fatalf("state file: ok=%v err=%v", ok, err)
	}
	return st
}

func sameMails(t *testing.T, got [][]byte, want ...[]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("delivered %d mails, want %d:\n%q", len(got), len(want), got)
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("mail %d delivered as\n%q\nwant\n%q", i, got[i], want[i])
		}
	}
}

type permanentError struct{ reason string }

func (e permanentError) Error() string   { return e.reason }
func (e permanentError) Permanent() bool { return true }

func TestDovecot(t *testing.T) {
	d := dovecottest.Start(t, false)

	t.Run("InOrderOnceSeenIdleRestart", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, d)
		c := d.Client(t, f.user)
		old := mail("read before the edge came")
		dovecottest.Append(t, c, "INBOX", old, imap.FlagSeen)
		m := [][]byte{mail("first"), mail("second"), mail("third")}
		for _, raw := range m {
			dovecottest.Append(t, c, "INBOX", raw)
		}

		src, stop := f.start()
		sameMails(t, f.rec.wait(t, 3, 10*time.Second), m...)
		waitFor(t, 5*time.Second, func() bool {
			for _, msg := range dovecottest.Messages(t, c, "INBOX") {
				if !msg.Has(imap.FlagSeen) {
					return false
				}
			}
			return true
		})
		waitFor(t, 5*time.Second, func() bool { return f.loadState().LastUID == 4 })

		// New mail during IDLE arrives within seconds.
		m4 := mail("fourth, during IDLE")
		waitFor(t, 5*time.Second, func() bool { return src.Stats().Connected })
		time.Sleep(200 * time.Millisecond) // into IDLE
		start := time.Now()
		dovecottest.Append(t, d.Client(t, f.user), "INBOX", m4)
		f.rec.wait(t, 4, 5*time.Second)
		t.Logf("delivered %s after APPEND during IDLE", time.Since(start).Round(time.Millisecond))
		waitFor(t, 5*time.Second, func() bool { return f.loadState().LastUID == 5 })
		stop()
		sameMails(t, f.rec.delivered(), append(m, m4)...)
		if s := src.Stats(); s.Delivered != 4 || s.Refused != 0 {
			t.Fatalf("stats %+v", s)
		}

		// A restarted Source delivers nothing again, then the new mail.
		f.rec = &recorder{}
		f.opts.Deliver = f.rec.deliver
		_, stop = f.start()
		time.Sleep(time.Second)
		if got := f.rec.delivered(); len(got) != 0 {
			t.Fatalf("restart delivered again: %q", got)
		}
		m5 := mail("fifth")
		dovecottest.Append(t, d.Client(t, f.user), "INBOX", m5)
		sameMails(t, f.rec.wait(t, 1, 5*time.Second), m5)
		waitFor(t, 5*time.Second, func() bool { return f.loadState().LastUID == 6 })
		stop()
	})

	t.Run("MoveTo", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, d)
		c := d.Client(t, f.user)
		if err := c.Create("Done", nil).Wait(); err != nil {
			t.Fatal(err)
		}
		m := [][]byte{mail("move one"), mail("move two")}
		for _, raw := range m {
			dovecottest.Append(t, c, "INBOX", raw)
		}
		f.opts.Config.MoveTo = "Done"
		_, stop := f.start()
		sameMails(t, f.rec.wait(t, 2, 10*time.Second), m...)
		waitFor(t, 5*time.Second, func() bool { return len(dovecottest.Messages(t, c, "INBOX")) == 0 })
		waitFor(t, 5*time.Second, func() bool { return f.loadState().LastUID == 2 })
		stop()
		done := dovecottest.Messages(t, c, "Done")
		if len(done) != 2 || !bytes.Equal(done[0].Raw, m[0]) || !bytes.Equal(done[1].Raw, m[1]) {
			t.Fatalf("Done holds %+v", done)
		}
	})

	t.Run("MoveToMissing", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, d)
		dovecottest.Append(t, d.Client(t, f.user), "INBOX", mail("stays"))
		f.opts.Config.MoveTo = "NoSuchFolder"
		f.start()
		waitFor(t, 5*time.Second, func() bool {
			return f.log.count("level=ERROR", `move_to mailbox \"NoSuchFolder\"`) == 1
		})
		if got := f.rec.delivered(); len(got) != 0 {
			t.Fatalf("delivered %q without a place to move it to", got)
		}
	})

	t.Run("TransientDeliverFailure", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, d)
		c := d.Client(t, f.user)
		m := mail("retried")
		dovecottest.Append(t, c, "INBOX", m)
		look := d.Client(t, f.user)
		var mu sync.Mutex
		attempts := 0
		f.rec.hook = func(_ context.Context, raw []byte) error {
			mu.Lock()
			defer mu.Unlock()
			attempts++
			if attempts <= 3 {
				for _, msg := range dovecottest.Messages(t, look, "INBOX") {
					if msg.Has(imap.FlagSeen) {
						t.Errorf("attempt %d: mail already \\Seen before Deliver succeeded", attempts)
					}
				}
				return errors.New("the log is not reachable")
			}
			return nil
		}
		src, stop := f.start()
		sameMails(t, f.rec.wait(t, 1, 10*time.Second), m)
		waitFor(t, 5*time.Second, func() bool {
			ms := dovecottest.Messages(t, c, "INBOX")
			return len(ms) == 1 && ms[0].Has(imap.FlagSeen)
		})
		waitFor(t, 5*time.Second, func() bool { return f.log.count("works again", "after=deliver") == 1 })
		stop()
		if attempts != 4 {
			t.Fatalf("%d attempts, want 4", attempts)
		}
		if n := f.log.count("level=WARN", "step=deliver", "the log is not reachable"); n != 1 {
			t.Fatalf("deliver failure logged %d times at warn level, want once:\n%s", n, f.log)
		}
		if s := src.Stats(); s.Failures != 3 || s.Delivered != 1 {
			t.Fatalf("stats %+v", s)
		}
	})

	t.Run("CrashBeforeStateSaved", func(t *testing.T) {
		t.Parallel()
		// Deliver took the mail and it is marked seen, but the state
		// cannot be saved (as if the process died right then): the next
		// run delivers it again, and the mail after it once.
		f := newFixture(t, d)
		c := d.Client(t, f.user)
		// A first run on the empty mailbox: from then on every new mail
		// is due, seen or not. (On a first run, a mail marked seen is not
		// delivered again, whatever the state says: it was delivered.)
		_, stop := f.start()
		waitFor(t, 5*time.Second, func() bool { _, ok, _ := loadState(f.state); return ok })
		stop()
		m := [][]byte{mail("crash one"), mail("crash two"), mail("crash three")}
		for _, raw := range m {
			dovecottest.Append(t, c, "INBOX", raw)
		}
		dir := filepath.Dir(f.state)
		var once sync.Once
		f.rec.hook = func(_ context.Context, raw []byte) error {
			if bytes.Equal(raw, m[1]) {
				once.Do(func() {
					// The state directory becomes a file: no state is saved.
					if err := os.Rename(dir, dir+".away"); err != nil {
						t.Error(err)
					}
					if err := os.WriteFile(dir, nil, 0o600); err != nil {
						t.Error(err)
					}
				})
			}
			return nil
		}
		_, stop = f.start()
		waitFor(t, 5*time.Second, func() bool { return f.log.count("level=ERROR", "step=state") == 1 })
		stop()
		if err := os.Remove(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(dir+".away", dir); err != nil {
			t.Fatal(err)
		}
		if st := f.loadState(); st.LastUID != 1 {
			t.Fatalf("state after the crash %+v: want last_uid 1", st)
		}
		if ms := dovecottest.Messages(t, c, "INBOX"); !ms[1].Has(imap.FlagSeen) {
			t.Fatalf("mail 2 not marked seen before the crash: %v", ms[1].Flags)
		}
		_, stop = f.start()
		f.rec.wait(t, 4, 10*time.Second)
		waitFor(t, 5*time.Second, func() bool { return f.loadState().LastUID == 3 })
		stop()
		sameMails(t, f.rec.delivered(), m[0], m[1], m[1], m[2])
	})

	t.Run("RefusedAndTooLarge", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, d)
		c := d.Client(t, f.user)
		ok1, bad, ok2 := mail("accepted one"), mail("refused"), mail("accepted two")
		big := append(mail("too large"), bytes.Repeat([]byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\r\n"), 200)...)
		for _, raw := range [][]byte{ok1, bad, big, ok2} {
			dovecottest.Append(t, c, "INBOX", raw)
		}
		f.opts.MaxBytes = 4096
		f.rec.hook = func(_ context.Context, raw []byte) error {
			if bytes.Equal(raw, bad) {
				return permanentError{"malformed: no sender"}
			}
			return nil
		}
		src, stop := f.start()
		sameMails(t, f.rec.wait(t, 2, 10*time.Second), ok1, ok2)
		waitFor(t, 5*time.Second, func() bool { return f.loadState().LastUID == 4 })
		stop()
		ms := dovecottest.Messages(t, c, "INBOX")
		for i, msg := range ms {
			refused := i == 1 || i == 2
			if msg.Has(imap.FlagSeen) == refused || msg.Has(imap.FlagFlagged) != refused || msg.Has(RefusedKeyword) != refused {
				t.Errorf("mail %d has flags %v", i+1, msg.Flags)
			}
		}
		if s := src.Stats(); s.Delivered != 2 || s.Refused != 1 || s.TooLarge != 1 {
			t.Fatalf("stats %+v", s)
		}
		if f.log.count("larger than the limit", "uid=3", "max_bytes=4096") != 1 || f.log.count("mail refused", "uid=2") != 1 {
			t.Fatalf("log:\n%s", f.log)
		}
	})

	t.Run("UIDValidityChange", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, d)
		c := d.Client(t, f.user)
		if err := c.Create("Support", nil).Wait(); err != nil {
			t.Fatal(err)
		}
		f.opts.Config.Mailbox = "Support"
		m := [][]byte{mail("before one"), mail("before two"), mail("before three")}
		for _, raw := range m {
			dovecottest.Append(t, c, "Support", raw)
		}
		_, stop := f.start()
		f.rec.wait(t, 3, 10*time.Second)
		waitFor(t, 5*time.Second, func() bool { return f.loadState().LastUID == 3 })
		stop()
		before := f.loadState()

		// Recreate the mailbox: new UIDVALIDITY, UIDs from 1 again.
		if err := c.Delete("Support").Wait(); err != nil {
			t.Fatal(err)
		}
		if err := c.Create("Support", nil).Wait(); err != nil {
			t.Fatal(err)
		}
		seen, new1, new2 := mail("after, already read"), mail("after one"), mail("after two")
		dovecottest.Append(t, c, "Support", seen, imap.FlagSeen)
		dovecottest.Append(t, c, "Support", new1)
		dovecottest.Append(t, c, "Support", new2)

		f.rec = &recorder{}
		f.opts.Deliver = f.rec.deliver
		_, stop = f.start()
		f.rec.wait(t, 2, 10*time.Second)
		m4 := mail("after three, new")
		dovecottest.Append(t, c, "Support", m4)
		f.rec.wait(t, 3, 10*time.Second)
		waitFor(t, 5*time.Second, func() bool { return f.loadState().LastUID == 4 })
		stop()
		sameMails(t, f.rec.delivered(), new1, new2, m4)
		after := f.loadState()
		if after.UIDValidity == before.UIDValidity || after.LastUID != 4 {
			t.Fatalf("state before %+v, after %+v", before, after)
		}
		if f.log.count("level=WARN", "UIDVALIDITY changed", "old_uidvalidity=") != 1 {
			t.Fatalf("no UIDVALIDITY warning:\n%s", f.log)
		}
	})

	t.Run("WrongPassword", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, d)
		dovecottest.Append(t, d.Client(t, f.user), "INBOX", mail("after the fix"))
		wrong := "wr0ng-Pa55word"
		if err := os.WriteFile(f.opts.Config.PasswordFile, []byte(wrong+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, stop := f.start()
		waitFor(t, 10*time.Second, func() bool { return f.log.count("imap source still failing", "step=auth") >= 2 })
		if n := f.log.count("level=ERROR", "step=auth", "refused the login of", "check imap.user and imap.password_file"); n != 1 {
			t.Fatalf("auth failure logged %d times at error level, want once:\n%s", n, f.log)
		}
		// The file is re-read at each connect: fixing it is enough.
		if err := os.WriteFile(f.opts.Config.PasswordFile, []byte(f.pass+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		f.rec.wait(t, 1, 10*time.Second)
		waitFor(t, 5*time.Second, func() bool { return f.log.count("works again", "after=auth") == 1 })
		stop()
		logs := f.log.String()
		if strings.Contains(logs, wrong) || strings.Contains(logs, f.pass) {
			t.Fatalf("a password is in the log:\n%s", logs)
		}
	})

	t.Run("XOAUTH2TokenFile", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, d)
		m := mail("oauth2")
		dovecottest.Append(t, d.Client(t, f.user), "INBOX", m)
		tokenFile := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(tokenFile, []byte("expired-token\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		f.opts.Config.PasswordFile, f.opts.Config.TokenFile = "", tokenFile
		_, stop := f.start()
		waitFor(t, 10*time.Second, func() bool {
			return f.log.count("level=ERROR", "step=auth", "refused the OAuth2 token") == 1
		})
		// A token refresher replaces the file: the next connect uses it.
		if err := os.WriteFile(tokenFile, []byte(dovecottest.Token(f.user)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		sameMails(t, f.rec.wait(t, 1, 10*time.Second), m)
		waitFor(t, 5*time.Second, func() bool { return f.log.count("works again", "after=auth") == 1 })
		stop()
		if logs := f.log.String(); strings.Contains(logs, "expired-token") || strings.Contains(logs, dovecottest.Token(f.user)) {
			t.Fatalf("a token is in the log:\n%s", logs)
		}
	})

	t.Run("IdleRenewed", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, d)
		src, err := New(f.opts)
		if err != nil {
			t.Fatal(err)
		}
		src.idleRenew = 100 * time.Millisecond // 25 min in production
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- src.Run(ctx) }()
		defer func() { cancel(); <-done }()
		time.Sleep(time.Second) // about ten IDLEs, each ended with DONE
		m := mail("after renewed IDLEs")
		dovecottest.Append(t, d.Client(t, f.user), "INBOX", m)
		sameMails(t, f.rec.wait(t, 1, 3*time.Second), m)
		if s := src.Stats(); s.Failures != 0 || !s.Connected {
			t.Fatalf("stats %+v:\n%s", s, f.log)
		}
	})

	t.Run("PollWithoutIdle", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, d)
		f.opts.Config.Poll = 300 * time.Millisecond
		src, err := New(f.opts)
		if err != nil {
			t.Fatal(err)
		}
		src.noIdle = true // as on a server without IDLE
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- src.Run(ctx) }()
		defer func() { cancel(); <-done }()
		waitFor(t, 5*time.Second, func() bool { return src.Stats().Connected })
		m := mail("polled")
		dovecottest.Append(t, d.Client(t, f.user), "INBOX", m)
		sameMails(t, f.rec.wait(t, 1, 3*time.Second), m)
		if f.log.count("idle=false") != 1 {
			t.Fatalf("log:\n%s", f.log)
		}
	})
}

func TestDovecotTLS(t *testing.T) {
	d := dovecottest.Start(t, true)
	for _, tc := range []struct{ mode, addr string }{
		{"implicit", d.TLSAddr},
		{"starttls", d.Addr},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, d)
			m := mail("over " + tc.mode)
			dovecottest.Append(t, d.Client(t, f.user), "INBOX", m)
			f.opts.Config.TLS = tc.mode
			f.opts.Config.Addr = tc.addr
			f.opts.TLSConfig = &tls.Config{RootCAs: d.Roots}
			_, stop := f.start()
			sameMails(t, f.rec.wait(t, 1, 10*time.Second), m)
			stop()
		})
	}
	t.Run("untrusted", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, d)
		f.opts.Config.TLS = "implicit"
		f.opts.Config.Addr = d.TLSAddr
		f.start()
		waitFor(t, 5*time.Second, func() bool {
			return f.log.count("level=WARN", "step=connect", "TLS handshake with", "certificate") == 1
		})
	})
}

func TestNewRefuses(t *testing.T) {
	deliver := func(context.Context, []byte) error { return nil }
	ok := Options{
		Config:    config.IMAP{Addr: "imap.company.example:993", User: "support", PasswordFile: "/run/secrets/imap"},
		StateFile: "/var/lib/edge/imap.json",
		Deliver:   deliver,
	}
	if _, err := New(ok); err != nil {
		t.Fatalf("New: %v", err)
	}
	for name, change := range map[string]func(*Options){
		"no deliver":          func(o *Options) { o.Deliver = nil },
		"no state file":       func(o *Options) { o.StateFile = "" },
		"bad addr":            func(o *Options) { o.Config.Addr = "imap.company.example" },
		"plain text, remote":  func(o *Options) { o.Config.TLS = "none" },
		"unknown tls":         func(o *Options) { o.Config.TLS = "ssl" },
		"password and token":  func(o *Options) { o.Config.TokenFile = "/run/secrets/token" },
		"no user":             func(o *Options) { o.Config.User = "" },
		"move to the mailbox": func(o *Options) { o.Config.MoveTo = "inbox" },
		"negative max bytes":  func(o *Options) { o.MaxBytes = -1 },
	} {
		o := ok
		change(&o)
		if _, err := New(o); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: New returned %v, want ErrConfig", name, err)
		}
	}
	o := ok
	o.Config.TLS, o.Config.Addr = "none", "[::1]:143"
	if _, err := New(o); err != nil {
		t.Errorf("plain text to loopback: %v", err)
	}
}
