package auth

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"strings"
)

// contactIDUse names the key contact ids are derived under, as the event
// log's signing key is named "event-log-mac/v1" (edge/bus): HKDF-SHA256 of
// the region secret with info "edgedesk/" + use.
const contactIDUse = "contact-id/v1"

// ContactIDs derives the contact id of a user a website identifies. The id
// is "u" + HMAC-SHA256 under a key derived from the region secret
// (auth.key_file), so the region's nodes agree on it, while whoever holds
// only the hub's copy of the log cannot test guesses of the website's user
// ids against it.
type ContactIDs struct {
	keys [][]byte // the current secret's first, then the accepted ones'
}

// NewContactIDs derives the keys from the region's current secret and the
// other secrets it accepts (auth.accepted_key_files).
func NewContactIDs(current []byte, accepted ...[]byte) (*ContactIDs, error) {
	c := &ContactIDs{}
	for i, s := range append([][]byte{current}, accepted...) {
		if len(s) < 32 {
			return nil, fmt.Errorf("region secret %d has %d bytes; it needs at least 32", i, len(s))
		}
		k, err := hkdf.Key(sha256.New, s, nil, "edgedesk/"+contactIDUse, 32)
		if err != nil {
			return nil, err
		}
		c.keys = append(c.keys, k)
	}
	return c, nil
}

// ID is the contact id of user userID of a tenant's inbox.
func (c *ContactIDs) ID(tenant, inbox, userID string) string {
	return keyedID(c.keys[0], tenant, inbox, userID)
}

// Earlier are the ids the same user may have been given before: under
// each accepted secret (a rotation of the region secret), then the
// unkeyed id of edges before keyed ids (LegacyContactID). A contact found
// under one of them is moved to ID through the log.
func (c *ContactIDs) Earlier(tenant, inbox, userID string) []string {
	out := make([]string, 0, len(c.keys))
	for _, k := range c.keys[1:] {
		out = append(out, keyedID(k, tenant, inbox, userID))
	}
	return append(out, LegacyContactID(tenant, inbox, userID))
}

// LegacyContactID is how contact ids of identified users were derived
// before they were keyed: DerivedID("u", tenant, inbox, user id), which
// anyone can compute from a guess.
func LegacyContactID(tenant, inbox, userID string) string {
	return DerivedID("u", tenant, inbox, userID)
}

func keyedID(key []byte, parts ...string) string {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return "u" + strings.ToLower(b32.EncodeToString(m.Sum(nil)[:16]))
}
