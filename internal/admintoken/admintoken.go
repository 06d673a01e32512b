// Package admintoken is the operators' bearer token of the hub's and the
// edge's admin APIs: read from a file, or made and written once for --dev,
// and checked in constant time.
package admintoken

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
)

// MinLen is the shortest token accepted.
const MinLen = 16

// Load reads the token in path. With dev and no token there yet, it makes
// one and writes it there (mode 0600), so the operator can read it.
func Load(path string, dev bool) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && dev {
		raw := make([]byte, 24)
		_, _ = rand.Read(raw)
		tok := base64.RawURLEncoding.EncodeToString(raw)
		if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
			return "", fmt.Errorf("write the dev admin token: %w", err)
		}
		return tok, nil
	}
	if err != nil {
		return "", fmt.Errorf("read the admin token: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if len(tok) < MinLen {
		return "", fmt.Errorf("the admin token in %s has %d bytes; use at least %d", path, len(tok), MinLen)
	}
	return tok, nil
}

// Matches reports whether r carries "Authorization: Bearer <token>".
func Matches(token string, r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}

// Guard lets a request through only with "Authorization: Bearer <token>".
func Guard(token string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !Matches(token, r) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("WWW-Authenticate", `Bearer realm="edgedesk-admin"`)
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]string{"code": "unauthorized",
				"message": "send the admin token as Authorization: Bearer <token> (with --dev it is in <data>/dev-admin-token)"})
			return
		}
		h.ServeHTTP(w, r)
	})
}
