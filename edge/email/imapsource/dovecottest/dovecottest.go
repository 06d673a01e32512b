// Package dovecottest starts a throwaway dovecot for tests: Debian's
// dovecot (make mailtools installs it), run in the foreground with its
// own configuration, users, maildirs and sockets in a temporary
// directory, stopped when the test ends. Tests skip when it is missing.
//
// Each test case takes a user of its own (NewUser), so cases run in
// parallel on one server. Users log in with their password (PLAIN,
// LOGIN) or with an OAuth2 access token (XOAUTH2, see Token).
package dovecottest

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/edgedesk/edgedesk/internal/testcert"
)

const (
	// Bin is where Debian installs dovecot.
	Bin = "/usr/sbin/dovecot"
	// Password is every user's password.
	Password = "s3cret-Pa55"
	// Users is how many users NewUser hands out per server.
	Users = 40
)

// Dovecot is a running server.
type Dovecot struct {
	// Dir holds the server's configuration, users' homes and log
	// (dovecot.log).
	Dir string
	// Addr is the plain-text listener (host:port); it offers STARTTLS
	// when the server was started with TLS.
	Addr string
	// TLSAddr is the implicit-TLS listener, when started with TLS.
	TLSAddr string
	// Roots trust the server's self-signed certificate (for 127.0.0.1
	// and localhost), when started with TLS.
	Roots *x509.CertPool

	users atomic.Int32
}

// Token is an OAuth2 access token the server takes for user (XOAUTH2);
// any other token is refused.
func Token(user string) string { return "token-" + user }

// Start starts dovecot, with TLS (STARTTLS on Addr and implicit TLS on
// TLSAddr) or without, waits until a user can log in and stops it when
// the test ends; the test is skipped when dovecot is not installed.
//
// Run as root (CI), the whole server runs as nobody: dovecot's login
// processes refuse to run as root, and a server running as one
// unprivileged user needs no chroot or user switching at all. Run as a
// normal user, it runs as that user.
func Start(t testing.TB, withTLS bool) *Dovecot {
	t.Helper()
	if _, err := os.Stat(Bin); err != nil {
		t.Skipf("%s is missing: run `make mailtools` to install dovecot-imapd and swaks", Bin)
	}
	dir := t.TempDir()

	var cred *syscall.Credential
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if u, err = user.Lookup("nobody"); err != nil {
			t.Fatalf("running as root, the test runs dovecot as nobody, but: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		// nobody must reach the directory: open the path down to it.
		for p := dir; p != filepath.Dir(p) && strings.HasPrefix(p, os.TempDir()) && p != os.TempDir(); p = filepath.Dir(p) {
			if err := os.Chmod(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		t.Fatal(err)
	}

	port := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	}
	d := &Dovecot{Dir: dir, Addr: "127.0.0.1:" + port()}

	var passwd strings.Builder
	for i := range Users + 1 {
		fmt.Fprintf(&passwd, "u%d:{PLAIN}%s:%s:%s::%s/home/u%d::\n", i, Password, u.Uid, u.Gid, dir, i)
	}
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("passwd", passwd.String())
	for _, sub := range []string{"base", "state", "home"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}

	// OAuth2 (XOAUTH2): dovecot asks this token introspection endpoint;
	// Token(user) is valid for that user.
	introspect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := r.FormValue("token")
		if tok == "" {
			tok = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		}
		w.Header().Set("Content-Type", "application/json")
		if user, ok := strings.CutPrefix(tok, Token("")); ok {
			fmt.Fprintf(w, `{"active": true, "username": %q}`, user)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"active": false}`)
	}))
	t.Cleanup(introspect.Close)
	write("oauth2.conf.ext", fmt.Sprintf("introspection_mode = post\nintrospection_url = %s/introspect\nforce_introspection = yes\nusername_attribute = username\nactive_attribute = active\nactive_value = true\n", introspect.URL))

	sslConf := "ssl = no\n"
	imaps := "0"
	if withTLS {
		c := testcert.New(t)
		certPEM, keyPEM, roots := string(c.CertPEM), string(c.KeyPEM), c.Pool
		write("cert.pem", certPEM)
		write("key.pem", keyPEM)
		d.Roots = roots
		imaps = port()
		d.TLSAddr = "127.0.0.1:" + imaps
		sslConf = fmt.Sprintf("ssl = yes\nssl_cert = <%s/cert.pem\nssl_key = <%s/key.pem\nssl_min_protocol = TLSv1.2\n", dir, dir)
	}
	_, plainPort, _ := net.SplitHostPort(d.Addr)
	conf := fmt.Sprintf(`# written by dovecottest
protocols = imap
listen = 127.0.0.1
base_dir = %[1]s/base
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
info_log_path = %[1]s/dovecot.log
%[2]s
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2
auth_failure_delay = 0
default_internal_user = %[3]s
default_internal_group = %[4]s
default_login_user = %[3]s
first_valid_uid = %[5]s
first_valid_gid = %[6]s
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN %[1]s/passwd
}
passdb {
  driver = oauth2
  mechanisms = xoauth2
  args = %[1]s/oauth2.conf.ext
}
userdb {
  driver = passwd-file
  args = %[1]s/passwd
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = %[7]s
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %[8]s
  }
}
service anvil {
  chroot =
  # No auth penalty: failed logins from 127.0.0.1 (a wrong-password
  # case) would otherwise delay every login of the parallel cases.
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service auth {
  user = %[3]s
}
service auth-worker {
  user = %[3]s
}
`, dir, sslConf, u.Username, g.Name, u.Uid, u.Gid, plainPort, imaps)
	write("dovecot.conf", conf)
	if cred != nil {
		err := filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, int(cred.Uid), int(cred.Gid))
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	var out bytes.Buffer
	cmd := exec.Command(Bin, "-F", "-c", filepath.Join(dir, "dovecot.conf"))
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: cred}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting dovecot: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			t.Logf("dovecot output:\n%s\ndovecot.log:\n%s", out.String(), b)
		}
	})

	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := imapclient.DialInsecure(d.Addr, nil)
		if err == nil {
			err = c.Login("u0", Password).Wait()
			c.Close()
		}
		if err == nil {
			return d
		}
		select {
		case <-exited:
			b, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			t.Fatalf("dovecot exited: %s\n%s", out.String(), b)
		default:
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			t.Fatalf("dovecot does not accept logins: %v\n%s\n%s", err, out.String(), b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// NewUser returns a user, and its password, whose mailbox no other test
// case uses; its INBOX is empty.
func (d *Dovecot) NewUser(t testing.TB) (user, password string) {
	t.Helper()
	n := d.users.Add(1)
	if n > Users {
		t.Fatalf("out of test users: dovecottest has %d per server", Users)
	}
	return fmt.Sprintf("u%d", n), Password
}

// Client logs in as user over plain text, for the test's own look at
// the mailbox; it is closed when the test ends.
func (d *Dovecot) Client(t testing.TB, user string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(d.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(user, Password).Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

// Append stores raw in mailbox with flags (APPEND).
func Append(t testing.TB, c *imapclient.Client, mailbox string, raw []byte, flags ...imap.Flag) {
	t.Helper()
	cmd := c.Append(mailbox, int64(len(raw)), &imap.AppendOptions{Flags: flags})
	if _, err := cmd.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

// Message is one mail as the test sees it in a mailbox.
type Message struct {
	UID   imap.UID
	Flags []imap.Flag
	Raw   []byte
}

// Has reports whether m has flag f (flags compare case-insensitively).
func (m Message) Has(f imap.Flag) bool {
	for _, g := range m.Flags {
		if strings.EqualFold(string(g), string(f)) {
			return true
		}
	}
	return false
}

// Messages lists a mailbox, in UID order, read-only (EXAMINE), so flags
// stay as they are.
func Messages(t testing.TB, c *imapclient.Client, mailbox string) []Message {
	t.Helper()
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	bufs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{
		UID: true, Flags: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var ms []Message
	for _, b := range bufs {
		var raw []byte
		for _, s := range b.BodySection {
			raw = s.Bytes
		}
		ms = append(ms, Message{UID: b.UID, Flags: b.Flags, Raw: raw})
	}
	return ms
}
