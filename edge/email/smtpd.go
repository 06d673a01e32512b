package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// ServerOptions configure the SMTP server.
type ServerOptions struct {
	// Hostname is the name the server greets with.
	Hostname string
	// TLS, when set, is offered with STARTTLS.
	TLS *tls.Config
	// MaxBytes is the largest mail (SIZE); MaxRecipients the most RCPT TO.
	MaxBytes      int64
	MaxRecipients int
	// Timeout bounds each command and the whole of DATA (default 5 min).
	Timeout time.Duration
	Log     *slog.Logger
}

// Server is the SMTP server that takes the inboxes' mail: recipients are
// checked at RCPT TO, the sender's rate at MAIL FROM, and DATA is answered
// 250 only once the mail is in the log.
type Server struct {
	ch  *Channel
	srv *smtp.Server
	log *slog.Logger

	mu     sync.Mutex
	ln     []net.Listener
	closed bool
}

// NewServer makes an SMTP server that delivers to ch.
func NewServer(ch *Channel, o ServerOptions) *Server {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Minute
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{ch: ch, log: o.Log}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, c: c, timeout: o.Timeout}, nil
	}))
	srv.Domain = o.Hostname
	srv.TLSConfig = o.TLS
	srv.MaxMessageBytes = o.MaxBytes
	srv.MaxRecipients = o.MaxRecipients
	srv.ReadTimeout, srv.WriteTimeout = o.Timeout, o.Timeout
	srv.EnableSMTPUTF8 = true
	srv.ErrorLog = slogLogger{o.Log}
	s.srv = srv
	return s
}

// Serve answers SMTP on l until Close.
func (s *Server) Serve(l net.Listener) error {
	// go-smtp learns of l only inside Serve: a stop before that would
	// leave it accepting, so the listener is closed here too
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return nil
	}
	s.ln = append(s.ln, l)
	s.mu.Unlock()
	err := s.srv.Serve(l)
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops taking connections and waits for those in progress (a
// mail half received is answered 421 by the client's next try).
func (s *Server) Shutdown(ctx context.Context) error {
	s.closeListeners()
	return s.srv.Shutdown(ctx)
}

// Close stops the server at once.
func (s *Server) Close() error {
	s.closeListeners()
	return s.srv.Close()
}

func (s *Server) closeListeners() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, l := range s.ln {
		_ = l.Close()
	}
}

type session struct {
	s       *Server
	c       *smtp.Conn
	timeout time.Duration
	from    string
	size    int64 // the SIZE the client declared, or 0
	to      []string
}

func (ss *session) Reset() { ss.from, ss.size, ss.to = "", 0, nil }

func (ss *session) Logout() error { return nil }

// Mail checks the sender's rate (go-smtp has refused a SIZE over the
// limit before).
func (ss *session) Mail(from string, opts *smtp.MailOptions) error {
	if from != "" && !ss.s.ch.Allow(from) {
		return &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 7, 1},
			Message: "too many mails from this sender in the last hour: try again later"}
	}
	ss.from = from
	if opts != nil {
		ss.size = opts.Size
	}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if _, _, ok := ss.s.ch.Inbox(to); !ok {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
			Message: "no such mailbox here: this server takes mail for its help desk's inboxes only"}
	}
	ss.to = append(ss.to, to)
	return nil
}

// dataPrealloc bounds the buffer made ahead for a mail of declared SIZE:
// a client declaring the limit and sending nothing holds no more.
const dataPrealloc = 1 << 20

func (ss *session) Data(r io.Reader) error {
	buf := bytes.NewBuffer(make([]byte, 0, min(max(ss.size, 0), dataPrealloc)+bytes.MinRead))
	_, err := buf.ReadFrom(r)
	raw := buf.Bytes()
	if err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			return se // too large: go-smtp's 552
		}
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "the mail did not arrive whole: send it again"}
	}
	env := Envelope{From: ss.from, To: ss.to, Helo: ss.c.Hostname()}
	if a, ok := ss.c.Conn().RemoteAddr().(*net.TCPAddr); ok {
		env.RemoteIP = a.IP
	}
	ctx, cancel := context.WithTimeout(context.Background(), ss.timeout)
	defer cancel()
	err = ss.s.ch.Deliver(ctx, raw, env)
	var pe *ParseError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe):
		ss.s.log.Info("mail refused", "from", redactAddr(ss.from), "reason", pe.Reason)
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: pe.Error()}
	default:
		ss.s.log.Warn("mail not taken; the sender will retry", "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
			Message: "the help desk cannot record mail right now: try again later"}
	}
}

// redactAddr is an address fit for a log: its domain only.
func redactAddr(a string) string {
	if _, d, ok := strings.Cut(a, "@"); ok {
		return "…@" + d
	}
	return ""
}

// slogLogger lets go-smtp log through slog.
type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Printf(format string, v ...any) { s.l.Debug(fmt.Sprintf(format, v...)) }
func (s slogLogger) Println(v ...any)               { s.l.Debug(fmt.Sprint(v...)) }
