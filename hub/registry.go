package hub

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/edgedesk/edgedesk/internal/atomicfile"
	"github.com/edgedesk/edgedesk/internal/pki"
)

// EdgeRecord is an enrolled edge, kept as <data>/edges/<name>.json.
type EdgeRecord struct {
	Name       string    `json:"name"`
	Region     string    `json:"region"`
	Serial     string    `json:"serial"` // of its current certificate
	EnrolledAt time.Time `json:"enrolled_at"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
	// SealKey is the public key of the edge's region key (internal/sealbox),
	// as its last hello gave it: the hub seals the region's secrets to it.
	SealKey []byte `json:"seal_key,omitempty"`
}

// tokenRecord is an unused enrolment token, kept as
// <data>/enroll/<hash>.json; the file goes when the token is used.
type tokenRecord struct {
	Edge     string    `json:"edge"`
	Region   string    `json:"region"`
	Expires  time.Time `json:"expires"`
	Reusable bool      `json:"reusable,omitempty"` // the dev token
}

// Registry is the hub's record of enrolment tokens and edges, as files, so
// that `hub enroll-token` and `hub revoke` work on the data directory
// whether or not the hub runs.
type Registry struct {
	dir string
	mu  sync.Mutex
}

// OpenRegistry uses the registry in the data directory dir.
func OpenRegistry(dir string) (*Registry, error) {
	for _, d := range []string{"edges", "enroll"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return nil, err
		}
	}
	return &Registry{dir: dir}, nil
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ValidName reports whether s is usable as an edge or region name.
func ValidName(s string) bool { return nameRE.MatchString(s) }

// Errors of enrolment and identity, wrapped with what to do.
var (
	ErrToken   = errors.New("enrolment token refused")
	ErrUnknown = errors.New("unknown edge")
	ErrRevoked = errors.New("edge revoked")
)

// IssueToken records a new one-time token for edge in region, valid ttl,
// and returns it. A reusable token (the dev token) enrols any name.
func (r *Registry) IssueToken(ca string, edge, region string, ttl time.Duration, reusable bool) (pki.Token, error) {
	if !reusable && (!ValidName(edge) || !ValidName(region)) {
		return pki.Token{}, fmt.Errorf("edge and region names are 1-63 lower-case letters, digits or '-': got %q, %q", edge, region)
	}
	t := pki.NewToken(ca)
	rec := tokenRecord{Edge: edge, Region: region, Expires: time.Now().Add(ttl), Reusable: reusable}
	return t, writeFile(filepath.Join(r.dir, "enroll", t.Hash()+".json"), rec)
}

// UseToken checks a token's secret for an edge and region and, unless it
// is reusable, removes it. It returns the name and region to certify.
func (r *Registry) UseToken(t pki.Token, edge, region string) (string, string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	path := filepath.Join(r.dir, "enroll", t.Hash()+".json")
	var rec tokenRecord
	if err := readJSON(path, &rec); err != nil {
		return "", "", fmt.Errorf("%w: unknown or already used: ask the operator for a new one (hub enroll-token)", ErrToken)
	}
	if time.Now().After(rec.Expires) {
		_ = os.Remove(path)
		return "", "", fmt.Errorf("%w: expired on %s: ask the operator for a new one", ErrToken, rec.Expires.Format(time.RFC3339))
	}
	if rec.Reusable {
		if !ValidName(edge) || !ValidName(region) {
			return "", "", fmt.Errorf("%w: edge and region names are 1-63 lower-case letters, digits or '-': got %q, %q", ErrToken, edge, region)
		}
		return edge, region, nil
	}
	if (edge != "" && edge != rec.Edge) || (region != "" && region != rec.Region) {
		return "", "", fmt.Errorf("%w: issued for edge %q in %q, not %q in %q", ErrToken, rec.Edge, rec.Region, edge, region)
	}
	if err := os.Remove(path); err != nil {
		return "", "", err
	}
	return rec.Edge, rec.Region, nil
}

// Enrolled records an edge's new certificate; an earlier revocation of the
// name ends.
func (r *Registry) Enrolled(name, region, serial string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return writeFile(r.edgePath(name), EdgeRecord{Name: name, Region: region, Serial: serial, EnrolledAt: time.Now().UTC()})
}

// Revoke revokes an edge: its connections are refused until it enrols
// again with a new token.
func (r *Registry) Revoke(name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var rec EdgeRecord
	if err := readJSON(r.edgePath(name), &rec); err != nil {
		return fmt.Errorf("%w %q", ErrUnknown, name)
	}
	rec.RevokedAt = time.Now().UTC()
	return writeFile(r.edgePath(name), rec)
}

// Check says whether an edge certificate (name, region, serial) may sync.
func (r *Registry) Check(name, region, serial string) error {
	var rec EdgeRecord
	if !ValidName(name) || readJSON(r.edgePath(name), &rec) != nil {
		return fmt.Errorf("%w %q: this hub never enrolled it: enrol it with a token from `hub enroll-token`", ErrUnknown, name)
	}
	switch {
	case !rec.RevokedAt.IsZero():
		return fmt.Errorf("%w: %q was revoked on %s: enrol it again with a new token", ErrRevoked, name, rec.RevokedAt.Format(time.RFC3339))
	case rec.Serial != serial || rec.Region != region:
		return fmt.Errorf("%w: %q holds a certificate the hub has replaced: enrol it again with a new token", ErrRevoked, name)
	}
	return nil
}

// SetSealKey records the public key an edge's hello gave.
func (r *Registry) SetSealKey(name string, key []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var rec EdgeRecord
	if err := readJSON(r.edgePath(name), &rec); err != nil {
		return fmt.Errorf("%w %q", ErrUnknown, name)
	}
	if bytes.Equal(rec.SealKey, key) {
		return nil
	}
	rec.SealKey = key
	return writeFile(r.edgePath(name), rec)
}

// ErrNoSealKey: no edge of the region has given its region's public key,
// or its edges give different ones.
var ErrNoSealKey = errors.New("the region's key is not known")

// RegionSealKey is the public key the region's enrolled edges gave.
func (r *Registry) RegionSealKey(region string) ([]byte, error) {
	edges, err := r.Edges()
	if err != nil {
		return nil, err
	}
	var key []byte
	var from string
	for _, e := range edges {
		if e.Region != region || !e.RevokedAt.IsZero() || len(e.SealKey) == 0 {
			continue
		}
		if key != nil && !bytes.Equal(key, e.SealKey) {
			return nil, fmt.Errorf("%w: edges %s and %s of region %q hold different region keys: give every edge of a region the same residency.key_file", ErrNoSealKey, from, e.Name, region)
		}
		key, from = e.SealKey, e.Name
	}
	if key == nil {
		return nil, fmt.Errorf("%w: no edge of region %q has connected to this hub yet: start one, then retry", ErrNoSealKey, region)
	}
	return key, nil
}

// Edges lists the enrolled edges.
func (r *Registry) Edges() ([]EdgeRecord, error) {
	m, err := filepath.Glob(filepath.Join(r.dir, "edges", "*.json"))
	if err != nil {
		return nil, err
	}
	out := make([]EdgeRecord, 0, len(m))
	for _, p := range m {
		var rec EdgeRecord
		if err := readJSON(p, &rec); err == nil {
			out = append(out, rec)
		}
	}
	return out, nil
}

func (r *Registry) edgePath(name string) string {
	return filepath.Join(r.dir, "edges", name+".json")
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func writeFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, b, 0o600)
}
