// Package imapsource fetches an inbox's mail from an existing mailbox over
// IMAP and hands each mail, exactly as stored, to a Deliver function.
//
// A Source connects (implicit TLS, STARTTLS, or plain text to a loopback
// host only), logs in with a password or an OAuth2 access token
// (XOAUTH2), both read from files at each connect, selects the mailbox
// and delivers every mail whose UID is above the last one it delivered,
// in UID order. After Deliver returned nil it marks the mail \Seen (or
// moves it to Config.MoveTo) and records the UID in its state file. Then
// it waits in IDLE, or polls where the server has no IDLE.
//
// # Exactly once
//
// The state file (UIDVALIDITY and last delivered UID) is written
// atomically after every mail. A crash between Deliver and that write
// makes the next run deliver the same mail again, never skip one: the
// receiver deduplicates by Message-ID. A failed Deliver leaves the mail
// unseen on the server and is retried with back-off.
//
// # UIDVALIDITY
//
// When the mailbox's UIDVALIDITY differs from the saved one (the server
// renumbered or recreated the mailbox), the saved UID means nothing any
// more. The Source logs the change and starts over like on its first run:
// it delivers the mails then in the mailbox that are not \Seen (and not
// refused before), and every mail that arrives after.
//
// # Refused mails
//
// A Deliver error with a method Permanent() bool that returns true means
// the mail is refused for good. Such mails, and mails over MaxBytes, are
// flagged \Flagged and $EdgedeskRefused (where the server allows
// keywords), left unseen in the mailbox for a person to look at, and
// skipped.
package imapsource

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"github.com/edgedesk/edgedesk/edge/config"
)

// DefaultMaxBytes is the largest mail delivered when Options.MaxBytes is 0.
const DefaultMaxBytes = 25 << 20

// RefusedKeyword flags, with \Flagged, the mails the edge refused or
// skipped as too large.
const RefusedKeyword = "$EdgedeskRefused"

const (
	// idleRenew is how long one IDLE lasts before it is re-issued; RFC
	// 2177 servers may drop an idle client after 30 minutes.
	idleRenew   = 25 * time.Minute
	minBackoff  = time.Second
	maxBackoff  = 5 * time.Minute
	dialTimeout = 30 * time.Second
)

// Options configure a Source.
type Options struct {
	// Config is the mailbox (edge/config IMAP): address, TLS mode,
	// credentials files, mailbox, move_to, poll interval.
	Config config.IMAP
	// Name tells this source apart in logs (e.g. the inbox's address).
	Name string
	// StateFile is where the Source keeps the mailbox's UIDVALIDITY and
	// the last delivered UID; one file per Source.
	StateFile string
	// Deliver takes one mail, byte for byte as the server stores it. It
	// returns nil once the mail is safely kept; an error whose
	// Permanent() bool method returns true to refuse the mail for good;
	// any other error to have it tried again later. It may be called
	// twice for one mail (see the package doc) and must deduplicate.
	Deliver func(ctx context.Context, raw []byte) error
	// Log receives the Source's log lines; nil: none.
	Log *slog.Logger
	// MaxBytes is the largest mail fetched and delivered (default 25
	// MiB); larger ones are flagged and skipped.
	MaxBytes int64
	// TLSConfig, when set, is the base of the TLS configuration (e.g.
	// RootCAs for a private CA). The server name defaults to the host of
	// Config.Addr, and TLS below 1.2 is never used.
	TLSConfig *tls.Config
}

// Source fetches mail from one IMAP mailbox. Make it with New.
type Source struct {
	opts    Options
	cfg     config.IMAP // with defaults filled in
	host    string
	log     *slog.Logger
	deliver func(ctx context.Context, raw []byte) error

	// Timings, shortened by tests.
	minBackoff, maxBackoff, idleRenew time.Duration
	noIdle                            bool // poll even if the server can IDLE

	running   atomic.Bool
	connected atomic.Bool
	delivered atomic.Uint64
	refused   atomic.Uint64
	tooLarge  atomic.Uint64
	failures  atomic.Uint64
	noUIDPlus atomic.Bool // logged once: moved mails stay \Deleted
}

// Stats counts what a Source has done since New.
type Stats struct {
	Delivered uint64 // mails delivered (Deliver returned nil)
	Refused   uint64 // mails refused for good by Deliver
	TooLarge  uint64 // mails skipped as larger than MaxBytes
	Failures  uint64 // sessions that ended in an error (then retried)
	Connected bool   // logged in and the mailbox selected
}

// New checks opts and returns a Source; Run starts it.
func New(opts Options) (*Source, error) {
	cfg := opts.Config
	bad := func(format string, args ...any) (*Source, error) {
		return nil, fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...))
	}
	if opts.Deliver == nil {
		return bad("Deliver is nil: give the function that takes each mail")
	}
	if opts.StateFile == "" {
		return bad("StateFile is empty: give a file in the data directory for the last delivered UID")
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" {
		return bad("imap.addr %q: give host:port, e.g. imap.company.example:993", cfg.Addr)
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = "implicit"
	case "implicit", "starttls":
	case "none":
		if !isLoopback(host) {
			return bad("imap.tls none would send the password in clear text to %s: it is for loopback hosts only; use implicit (port 993) or starttls (port 143)", host)
		}
	default:
		return bad("imap.tls %q: use implicit (the default), starttls or none", cfg.TLS)
	}
	if cfg.User == "" || (cfg.PasswordFile == "") == (cfg.TokenFile == "") {
		return bad("imap: give user and one of password_file or token_file")
	}
	if cfg.Mailbox == "" {
		cfg.Mailbox = "INBOX"
	}
	if cfg.MoveTo != "" && strings.EqualFold(cfg.MoveTo, cfg.Mailbox) {
		return bad("imap.move_to %q is the mailbox read: name another mailbox, or leave it empty to mark mails seen", cfg.MoveTo)
	}
	if cfg.Poll == 0 {
		cfg.Poll = time.Minute
	}
	if cfg.Poll < 0 {
		return bad("imap.poll %s: give a positive interval (1m is the usual)", cfg.Poll)
	}
	if opts.MaxBytes == 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.MaxBytes < 0 {
		return bad("MaxBytes %d: give a positive size (25 MiB is the usual)", opts.MaxBytes)
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Source{
		opts:       opts,
		cfg:        cfg,
		host:       host,
		log:        log.With("component", "imapsource", "source", opts.Name, "imap_addr", cfg.Addr, "imap_user", cfg.User, "imap_mailbox", cfg.Mailbox),
		deliver:    opts.Deliver,
		minBackoff: minBackoff,
		maxBackoff: maxBackoff,
		idleRenew:  idleRenew,
	}, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Stats returns what the Source has done so far.
func (s *Source) Stats() Stats {
	return Stats{
		Delivered: s.delivered.Load(),
		Refused:   s.refused.Load(),
		TooLarge:  s.tooLarge.Load(),
		Failures:  s.failures.Load(),
		Connected: s.connected.Load(),
	}
}

// Run fetches and delivers mail until ctx ends, then returns nil. Any
// failure (network, TLS, login, mailbox, a transient Deliver error) ends
// the session; Run logs it once per kind of failure, waits (1 s doubling
// up to 5 min) and connects again. It returns ErrRunning if the Source
// already runs.
func (s *Source) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer s.running.Store(false)

	backoff := s.minBackoff
	failing := "" // the step of the failure last logged; "" while healthy
	healthy := func() {
		backoff = s.minBackoff
		if failing != "" {
			s.log.Info("imap source works again", "after", failing)
			failing = ""
		}
	}
	for {
		err := s.session(ctx, healthy)
		s.connected.Store(false)
		if ctx.Err() != nil {
			return nil
		}
		s.failures.Add(1)
		step := "connection"
		var se *stepError
		if errors.As(err, &se) {
			step = se.step
		}
		if step != failing {
			level := slog.LevelWarn
			switch step {
			case "auth", "credentials", "mailbox", "state":
				level = slog.LevelError // a person has to act
			}
			s.log.Log(ctx, level, "imap source failed; retrying with back-off, further failures of this kind are logged at debug level",
				"step", step, "err", err, "retry_in", backoff)
			failing = step
		} else {
			s.log.Debug("imap source still failing", "step", step, "err", err, "retry_in", backoff)
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		backoff = min(backoff*2, s.maxBackoff)
	}
}

// session is one connection: log in, select, deliver what is there, then
// IDLE or poll and deliver what arrives, until an error or ctx ends.
func (s *Source) session(ctx context.Context, healthy func()) error {
	newMail := make(chan struct{}, 1)
	c, err := s.connect(ctx, newMail)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()

	if err := s.login(c); err != nil {
		return err
	}
	sel, err := c.Select(s.cfg.Mailbox, nil).Wait()
	if err != nil {
		return fail("mailbox", ErrMailbox, err, fmt.Sprintf("cannot select mailbox %q (check imap.mailbox; names are case-sensitive except INBOX)", s.cfg.Mailbox))
	}
	if s.cfg.MoveTo != "" {
		if _, err := c.Status(s.cfg.MoveTo, &imap.StatusOptions{NumMessages: true}).Wait(); err != nil {
			return fail("mailbox", ErrMailbox, err, fmt.Sprintf("move_to mailbox %q is not usable: create it on the server or fix imap.move_to", s.cfg.MoveTo))
		}
	}
	st, err := s.syncState(c, sel)
	if err != nil {
		return err
	}
	keywords := slices.Contains(sel.PermanentFlags, imap.FlagWildcard) || slices.Contains(sel.PermanentFlags, imap.Flag(RefusedKeyword))
	caps := c.Caps()
	idle := (caps.Has(imap.CapIdle) || caps.Has(imap.CapIMAP4rev2)) && !s.noIdle
	s.connected.Store(true)
	s.log.Debug("imap source connected", "uidvalidity", st.UIDValidity, "last_uid", st.LastUID, "idle", idle)

	for {
		if err := s.round(ctx, c, &st, caps, keywords, newMail); err != nil {
			return err
		}
		healthy()
		if err := s.wait(ctx, c, idle, newMail); err != nil {
			return err
		}
	}
}

func (s *Source) tlsConfig() *tls.Config {
	var cfg *tls.Config
	if s.opts.TLSConfig != nil {
		cfg = s.opts.TLSConfig.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = s.host
	}
	if cfg.MinVersion < tls.VersionTLS12 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg
}

func (s *Source) connect(ctx context.Context, newMail chan struct{}) (*imapclient.Client, error) {
	addr := s.cfg.Addr
	d := net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fail("connect", ErrConnect, err, fmt.Sprintf("cannot reach %s (check imap.addr and the network)", addr))
	}
	// Until the session takes over, ctx ending closes the connection.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	opts := &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case newMail <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	var c *imapclient.Client
	switch s.cfg.TLS {
	case "implicit":
		tc := tls.Client(conn, s.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, fail("connect", ErrConnect, err, fmt.Sprintf("TLS handshake with %s failed (imap.tls implicit wants TLS at once, usually port 993; use starttls for port 143)", addr))
		}
		c = imapclient.New(tc, opts)
	case "starttls":
		opts.TLSConfig = s.tlsConfig()
		if c, err = imapclient.NewStartTLS(conn, opts); err != nil {
			conn.Close()
			return nil, fail("connect", ErrConnect, err, fmt.Sprintf("STARTTLS with %s failed (imap.tls starttls wants a plain-text greeting, usually port 143; use implicit for port 993)", addr))
		}
	default: // "none", checked to be loopback in New
		c = imapclient.New(conn, opts)
	}
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, fail("connect", ErrConnect, err, fmt.Sprintf("no IMAP greeting from %s (is it an IMAP server, and imap.tls right for its port?)", addr))
	}
	return c, nil
}

// login authenticates with the password or token read from its file now,
// so that a changed password or a refreshed token is used at once.
func (s *Source) login(c *imapclient.Client) error {
	user, addr := s.cfg.User, s.cfg.Addr
	caps := c.Caps()
	if f := s.cfg.TokenFile; f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return fail("credentials", ErrAuth, err, fmt.Sprintf("cannot read imap.token_file (the OAuth2 access token for %q)", user))
		}
		token := strings.TrimSpace(string(b))
		if token == "" {
			return fail("credentials", ErrAuth, nil, fmt.Sprintf("imap.token_file %s is empty: the token refresher must write a current OAuth2 access token into it", f))
		}
		if !caps.Has(imap.AuthCap("XOAUTH2")) {
			return fail("auth", ErrAuth, nil, fmt.Sprintf("%s does not offer AUTH=XOAUTH2: use password_file, or enable OAuth2 for IMAP on the server", addr))
		}
		x := &xoauth2{user: user, token: token}
		if err := c.Authenticate(x); err != nil {
			msg := fmt.Sprintf("%s refused the OAuth2 token for %q (check imap.user, and that token_file holds a current access token with the IMAP scope; it is re-read at each connect)", addr, user)
			if x.failure != "" {
				msg += "; the server said " + x.failure
			}
			return fail("auth", ErrAuth, err, msg)
		}
		return nil
	}
	b, err := os.ReadFile(s.cfg.PasswordFile)
	if err != nil {
		return fail("credentials", ErrAuth, err, fmt.Sprintf("cannot read imap.password_file (the password of %q)", user))
	}
	password := strings.TrimRight(string(b), "\r\n")
	switch {
	case caps.Has(imap.AuthCap("PLAIN")):
		err = c.Authenticate(sasl.NewPlainClient("", user, password))
	case caps.Has(imap.CapLoginDisabled):
		return fail("auth", ErrAuth, nil, fmt.Sprintf("%s allows no password login on this connection: use imap.tls implicit or starttls", addr))
	default:
		err = c.Login(user, password).Wait()
	}
	if err != nil {
		return fail("auth", ErrAuth, err, fmt.Sprintf("%s refused the login of %q (check imap.user and imap.password_file; the file is re-read at each connect)", addr, user))
	}
	return nil
}

// syncState loads the state and, when there is none or it is of another
// mailbox or UIDVALIDITY, starts over with the mailbox's unseen mails.
func (s *Source) syncState(c *imapclient.Client, sel *imap.SelectData) (state, error) {
	st, ok, err := loadState(s.opts.StateFile)
	if err != nil {
		return state{}, fail("state", ErrState, err, "cannot read the state file")
	}
	same := st.Addr == s.cfg.Addr && st.User == s.cfg.User && st.Mailbox == s.cfg.Mailbox
	switch {
	case !ok:
		s.log.Info("imap source starts: no state yet, delivering the mailbox's unseen mails and every new one", "uidvalidity", sel.UIDValidity)
	case !same:
		s.log.Warn("imap source: the state file is of another mailbox; starting over with the unseen mails",
			"state_file", s.opts.StateFile, "state_mailbox", st.User+"@"+st.Addr+"/"+st.Mailbox)
	case st.UIDValidity != sel.UIDValidity:
		s.log.Warn("imap source: the mailbox's UIDVALIDITY changed, so the server renumbered it; starting over with its unseen mails (any delivered again are deduplicated by Message-ID)",
			"old_uidvalidity", st.UIDValidity, "new_uidvalidity", sel.UIDValidity, "last_uid", st.LastUID)
	default:
		return st, nil
	}
	uidNext := uint32(sel.UIDNext)
	if uidNext == 0 { // not sent by the server: one above the highest UID
		data, err := c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
		if err != nil {
			return state{}, fail("connection", ErrConnection, err, "UID SEARCH ALL failed")
		}
		uidNext = 1
		for _, u := range data.AllUIDs() {
			uidNext = max(uidNext, uint32(u)+1)
		}
	}
	st = state{
		Addr:        s.cfg.Addr,
		User:        s.cfg.User,
		Mailbox:     s.cfg.Mailbox,
		UIDValidity: sel.UIDValidity,
		UnseenBelow: uidNext,
	}
	if err := saveState(s.opts.StateFile, st); err != nil {
		return state{}, fail("state", ErrState, err, "cannot write the state file (check that its directory is writable)")
	}
	return st, nil
}

// round delivers every mail due: UID above the last delivered, in UID
// order, saving the state after each.
func (s *Source) round(ctx context.Context, c *imapclient.Client, st *state, caps imap.CapSet, keywords bool, newMail chan struct{}) error {
	select { // what arrives from now on is seen by the search below
	case <-newMail:
	default:
	}
	above := imap.UIDSet{{Start: imap.UID(st.LastUID + 1), Stop: 0}}
	crit := &imap.SearchCriteria{UID: []imap.UIDSet{above}}
	if st.UnseenBelow > st.LastUID+1 {
		// Starting over: of the mails older than the start, only the
		// unseen ones not refused before.
		crit.Or = [][2]imap.SearchCriteria{{
			{NotFlag: []imap.Flag{imap.FlagSeen, imap.Flag(RefusedKeyword)}},
			{UID: []imap.UIDSet{{{Start: imap.UID(st.UnseenBelow), Stop: 0}}}},
		}}
	}
	data, err := c.UIDSearch(crit, nil).Wait()
	if err != nil {
		return fail("connection", ErrConnection, err, "UID SEARCH failed")
	}
	var uids []imap.UID
	for _, u := range data.AllUIDs() {
		if uint32(u) > st.LastUID { // "n:*" also matches the highest UID when n is above it
			uids = append(uids, u)
		}
	}
	if len(uids) == 0 {
		return nil
	}
	slices.Sort(uids)

	sizes := map[imap.UID]int64{}
	msgs, err := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
	if err != nil {
		return fail("connection", ErrConnection, err, "UID FETCH RFC822.SIZE failed")
	}
	for _, m := range msgs {
		sizes[m.UID] = m.RFC822Size
	}

	for _, uid := range uids {
		if err := ctx.Err(); err != nil {
			return err
		}
		size, ok := sizes[uid]
		var raw []byte
		if ok && size <= s.opts.MaxBytes {
			raw, ok, err = s.fetch(c, uid)
			if err != nil {
				return err
			}
		}
		switch {
		case !ok:
			s.log.Debug("imap source: mail vanished before it was fetched", "uid", uid)
		case size > s.opts.MaxBytes || raw == nil:
			s.log.Warn("imap source: mail larger than the limit; flagged and skipped, it stays unseen in the mailbox",
				"uid", uid, "bytes", size, "max_bytes", s.opts.MaxBytes)
			if err := s.flagRefused(c, uid, keywords); err != nil {
				return err
			}
			s.tooLarge.Add(1)
		default:
			if err := s.deliver(ctx, raw); err != nil {
				var p interface{ Permanent() bool }
				if !errors.As(err, &p) || !p.Permanent() {
					return fail("deliver", ErrDeliver, err, fmt.Sprintf("delivering mail UID %d failed; it stays unseen and is tried again", uid))
				}
				s.log.Warn("imap source: mail refused; flagged and skipped, it stays unseen in the mailbox", "uid", uid, "err", err)
				if err := s.flagRefused(c, uid, keywords); err != nil {
					return err
				}
				s.refused.Add(1)
			} else {
				if err := s.done(c, uid, caps); err != nil {
					return err
				}
				s.delivered.Add(1)
				s.log.Debug("imap source delivered a mail", "uid", uid, "bytes", len(raw))
			}
		}
		st.LastUID = uint32(uid)
		if err := saveState(s.opts.StateFile, *st); err != nil {
			return fail("state", ErrState, err, "cannot write the state file (check that its directory is writable and has room)")
		}
	}
	return nil
}

// fetch reads one mail with BODY.PEEK[], which leaves \Seen alone. ok is
// false if the mail is gone; raw is nil if it is larger than MaxBytes.
func (s *Source) fetch(c *imapclient.Client, uid imap.UID) (raw []byte, ok bool, err error) {
	cmd := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	})
	var readErr error
	for m := cmd.Next(); m != nil; m = cmd.Next() {
		for item := m.Next(); item != nil; item = m.Next() {
			body, isBody := item.(imapclient.FetchItemDataBodySection)
			if !isBody || body.Literal == nil || ok {
				continue
			}
			ok = true
			b, err := io.ReadAll(io.LimitReader(body.Literal, s.opts.MaxBytes+1))
			switch {
			case err != nil:
				readErr = err
			case int64(len(b)) <= s.opts.MaxBytes:
				raw = b
			}
		}
	}
	if err := cmd.Close(); err != nil {
		return nil, false, fail("connection", ErrConnection, err, fmt.Sprintf("UID FETCH %d BODY.PEEK[] failed", uid))
	}
	if readErr != nil {
		return nil, false, fail("connection", ErrConnection, readErr, fmt.Sprintf("reading mail UID %d failed", uid))
	}
	return raw, ok, nil
}

// done marks a delivered mail \Seen, or moves it to MoveTo.
func (s *Source) done(c *imapclient.Client, uid imap.UID, caps imap.CapSet) error {
	set := imap.UIDSetNum(uid)
	if s.cfg.MoveTo == "" {
		if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
			return fail("connection", ErrConnection, err, fmt.Sprintf("marking mail UID %d seen failed", uid))
		}
		return nil
	}
	if caps.Has(imap.CapMove) || caps.Has(imap.CapIMAP4rev2) {
		if _, err := c.Move(set, s.cfg.MoveTo).Wait(); err != nil {
			return fail("connection", ErrConnection, err, fmt.Sprintf("moving mail UID %d to %q failed", uid, s.cfg.MoveTo))
		}
		return nil
	}
	// No MOVE: COPY, flag \Deleted, and expunge just this mail with UID
	// EXPUNGE. A plain EXPUNGE would also remove other clients' \Deleted
	// mails, so without UIDPLUS the original stays, flagged \Deleted.
	if _, err := c.Copy(set, s.cfg.MoveTo).Wait(); err != nil {
		return fail("connection", ErrConnection, err, fmt.Sprintf("copying mail UID %d to %q failed", uid, s.cfg.MoveTo))
	}
	if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen, imap.FlagDeleted}}, nil).Close(); err != nil {
		return fail("connection", ErrConnection, err, fmt.Sprintf("flagging mail UID %d deleted failed", uid))
	}
	if !caps.Has(imap.CapUIDPlus) {
		if !s.noUIDPlus.Swap(true) {
			s.log.Warn("imap source: the server has neither MOVE nor UIDPLUS; moved mails are copied and stay in the mailbox flagged \\Deleted until it is expunged")
		}
		return nil
	}
	if err := c.UIDExpunge(set).Close(); err != nil {
		return fail("connection", ErrConnection, err, fmt.Sprintf("UID EXPUNGE %d failed", uid))
	}
	return nil
}

// flagRefused flags a refused or too large mail for a person to look at.
func (s *Source) flagRefused(c *imapclient.Client, uid imap.UID, keywords bool) error {
	flags := []imap.Flag{imap.FlagFlagged}
	if keywords {
		flags = append(flags, imap.Flag(RefusedKeyword))
	}
	if err := c.Store(imap.UIDSetNum(uid), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: flags}, nil).Close(); err != nil {
		return fail("connection", ErrConnection, err, fmt.Sprintf("flagging refused mail UID %d failed", uid))
	}
	return nil
}

// wait returns when there may be new mail: the server said so during
// IDLE, IDLE was renewed, or the poll interval passed.
func (s *Source) wait(ctx context.Context, c *imapclient.Client, idle bool, newMail chan struct{}) error {
	lost := func(err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fail("connection", ErrConnection, err, fmt.Sprintf("connection to %s lost", s.cfg.Addr))
	}
	if !idle {
		t := time.NewTimer(s.cfg.Poll)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-c.Closed():
			return lost(io.ErrUnexpectedEOF)
		}
	}
	select {
	case <-newMail: // arrived during the round
		return nil
	default:
	}
	cmd, err := c.Idle()
	if err != nil {
		return lost(err)
	}
	t := time.NewTimer(s.idleRenew)
	defer t.Stop()
	select {
	case <-newMail:
	case <-t.C:
	case <-ctx.Done():
	case <-c.Closed():
	}
	if err := cmd.Close(); err != nil {
		return lost(err)
	}
	if err := cmd.Wait(); err != nil {
		return lost(err)
	}
	return ctx.Err()
}
