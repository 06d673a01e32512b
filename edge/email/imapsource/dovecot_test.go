package imapsource

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

const (
	dovecotBin   = "/usr/sbin/dovecot"
	testPassword = "s3cret-Pa55"
	testUsers    = 40
)

// dovecot is Debian's dovecot, run in the foreground for one test with
// its own configuration, users, mail and sockets in a temporary
// directory. Each test case takes a user of its own (nextUser), so cases
// run in parallel on one server.
type dovecot struct {
	dir     string
	addr    string // plain text, STARTTLS when started withTLS
	tlsAddr string // implicit TLS, when started withTLS
	roots   *x509.CertPool
	users   atomic.Int32
}

// startDovecot starts dovecot and waits until a user can log in. Run as
// root (CI), the whole server runs as nobody: dovecot's login processes
// refuse to run as root, and a server running as one unprivileged user
// needs no chroot or user switching at all. Run as a normal user, it
// runs as that user.
func startDovecot(t *testing.T, withTLS bool) *dovecot {
	t.Helper()
	if _, err := os.Stat(dovecotBin); err != nil {
		t.Skipf("%s is missing: run `make mailtools` to install dovecot-imapd and swaks", dovecotBin)
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
	d := &dovecot{dir: dir, addr: "127.0.0.1:" + port()}

	var passwd strings.Builder
	for i := range testUsers + 1 {
		fmt.Fprintf(&passwd, "u%d:{PLAIN}%s:%s:%s::%s/home/u%d::\n", i, testPassword, u.Uid, u.Gid, dir, i)
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
	// a token "token-<user>" is valid for that user.
	introspect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := r.FormValue("token")
		if tok == "" {
			tok = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		}
		w.Header().Set("Content-Type", "application/json")
		if user, ok := strings.CutPrefix(tok, "token-"); ok {
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
		certPEM, keyPEM, roots := selfSigned(t)
		write("cert.pem", certPEM)
		write("key.pem", keyPEM)
		d.roots = roots
		imaps = port()
		d.tlsAddr = "127.0.0.1:" + imaps
		sslConf = fmt.Sprintf("ssl = yes\nssl_cert = <%s/cert.pem\nssl_key = <%s/key.pem\nssl_min_protocol = TLSv1.2\n", dir, dir)
	}
	_, plainPort, _ := net.SplitHostPort(d.addr)
	conf := fmt.Sprintf(`# written by imapsource tests
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
  # No auth penalty: failed logins from 127.0.0.1 (the wrong-password
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
	cmd := exec.Command(dovecotBin, "-F", "-c", filepath.Join(dir, "dovecot.conf"))
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
		c, err := imapclient.DialInsecure(d.addr, nil)
		if err == nil {
			err = c.Login("u0", testPassword).Wait()
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

// nextUser returns a user with a mailbox no other test case uses.
func (d *dovecot) nextUser(t *testing.T) string {
	n := d.users.Add(1)
	if n > testUsers {
		t.Fatal("out of test users: raise testUsers")
	}
	return fmt.Sprintf("u%d", n)
}

// client logs in as user over plain text, for the test's own look.
func (d *dovecot) client(t *testing.T, user string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(d.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(user, testPassword).Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

func appendMail(t *testing.T, c *imapclient.Client, mailbox string, raw []byte, flags ...imap.Flag) {
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

// message is one mail as the test sees it in a mailbox.
type message struct {
	uid   imap.UID
	flags []imap.Flag
	raw   []byte
}

func (m message) has(f imap.Flag) bool {
	for _, g := range m.flags {
		if strings.EqualFold(string(g), string(f)) {
			return true
		}
	}
	return false
}

// messages lists a mailbox read-only (EXAMINE), so flags stay as they are.
func messages(t *testing.T, c *imapclient.Client, mailbox string) []message {
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
	var ms []message
	for _, b := range bufs {
		var raw []byte
		for _, s := range b.BodySection {
			raw = s.Bytes
		}
		ms = append(ms, message{uid: b.UID, flags: b.Flags, raw: raw})
	}
	return ms
}

func selfSigned(t *testing.T) (certPEM, keyPEM string, roots *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "imapsource test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})), roots
}

// logBuffer collects a Source's log lines for the test to read.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// count counts the lines holding all of subs.
func (b *logBuffer) count(subs ...string) int {
	n := 0
next:
	for _, line := range strings.Split(b.String(), "\n") {
		for _, s := range subs {
			if !strings.Contains(line, s) {
				continue next
			}
		}
		n++
	}
	return n
}
