package turn

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // the TURN REST API scheme is HMAC-SHA1, what every client speaks
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Credentials are a TURN username and password of the TURN REST API
// scheme: the username is "expiry:user" (expiry in unix seconds), the
// password base64(HMAC-SHA1(secret, username)). Whoever holds the secret
// (the edge) can make them; the server checks them with the same secret
// and needs no user database.
type Credentials struct {
	Username string    `json:"username"`
	Password string    `json:"credential"`
	Expires  time.Time `json:"-"`
}

// MaxUser bounds the user part of a username.
const MaxUser = 200

// NewCredentials makes credentials for user, valid until now+ttl.
func NewCredentials(secret []byte, user string, now time.Time, ttl time.Duration) (Credentials, error) {
	if user == "" || len(user) > MaxUser || strings.ContainsAny(user, ":\x00") {
		return Credentials{}, fmt.Errorf("a TURN user is 1 to %d bytes without ':'", MaxUser)
	}
	if len(secret) == 0 {
		return Credentials{}, errors.New("no TURN secret")
	}
	exp := now.Add(ttl).Truncate(time.Second)
	name := strconv.FormatInt(exp.Unix(), 10) + ":" + user
	return Credentials{Username: name, Password: password(secret, name), Expires: exp}, nil
}

// password is the REST API password of a username.
func password(secret []byte, username string) string {
	m := hmac.New(sha1.New, secret)
	m.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// ParseUsername reads a REST API username: its expiry and user. It
// refuses what the scheme does not produce, saying what was wrong.
func ParseUsername(username string) (expires time.Time, user string, err error) {
	ts, user, ok := strings.Cut(username, ":")
	if !ok {
		return time.Time{}, "", errors.New("the username is not expiry:user")
	}
	if ts == "" || len(ts) > 12 || strings.TrimLeft(ts, "0123456789") != "" {
		return time.Time{}, "", errors.New("the username's expiry is not unix seconds")
	}
	if user == "" || len(user) > MaxUser || strings.ContainsAny(user, ":\x00") {
		return time.Time{}, "", fmt.Errorf("the username's user is not 1 to %d bytes without ':'", MaxUser)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return time.Time{}, "", errors.New("the username's expiry is not unix seconds")
	}
	return time.Unix(sec, 0), user, nil
}

// ReadSecret reads a shared secret file: its content without surrounding
// white space, at least 16 bytes.
func ReadSecret(path string) ([]byte, error) {
	if path == "" {
		return nil, errors.New("no secret file given")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b = []byte(strings.TrimSpace(string(b)))
	if len(b) < 16 {
		return nil, fmt.Errorf("%s holds %d bytes; a secret is at least 16 (e.g. `head -c 32 /dev/urandom | base64 > %s`)", path, len(b), path)
	}
	return b, nil
}

// ParsePorts reads a relay port range "min-max".
func ParsePorts(s string) (lo, hi uint16, err error) {
	a, b, ok := strings.Cut(s, "-")
	x, err1 := strconv.ParseUint(strings.TrimSpace(a), 10, 16)
	y, err2 := strconv.ParseUint(strings.TrimSpace(b), 10, 16)
	if !ok || err1 != nil || err2 != nil || x == 0 || x > y {
		return 0, 0, fmt.Errorf("%q is not a port range like 49152-65535", s)
	}
	return uint16(x), uint16(y), nil
}
