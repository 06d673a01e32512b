package auth

import (
	"slices"
	"testing"
)

func TestContactIDsAreKeyedWithTheRegionSecret(t *testing.T) {
	ids, err := NewContactIDs(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	// Fixed values, computed outside Go: "u" + base32(HMAC-SHA256(
	// HKDF-SHA256(secret, salt none, info "edgedesk/contact-id/v1"),
	// "acme\0web\0customer-42\0")[:16]) in lower case, and the unkeyed
	// "u" + base32(sha256(…)[:16]). Ids are stored in the log and must
	// never change.
	got := ids.ID("acme", "web", "customer-42")
	if want := "usgvsur5lof3qan7qad7bi3wp3y"; got != want {
		t.Fatalf("ID = %s, want %s", got, want)
	}
	if want := "up6x76kimifd6xockgfzkso5ebm"; LegacyContactID("acme", "web", "customer-42") != want {
		t.Fatalf("LegacyContactID = %s, want %s", LegacyContactID("acme", "web", "customer-42"), want)
	}
	if got == LegacyContactID("acme", "web", "customer-42") {
		t.Fatal("the keyed id is the unkeyed one")
	}
	other, err := NewContactIDs([]byte("another region secret of at least 32 bytes"))
	if err != nil {
		t.Fatal(err)
	}
	if other.ID("acme", "web", "customer-42") == got {
		t.Fatal("another secret gives the same id")
	}
	if ids.ID("acme", "web", "customer-43") == got || ids.ID("acme", "web2", "customer-42") == got ||
		ids.ID("acme", "webc", "ustomer-42") == got {
		t.Fatal("different users give the same id")
	}
	if _, err := NewContactIDs([]byte("short")); err == nil {
		t.Fatal("a short secret was taken")
	}
}

// After a rotation of the region secret the ids under the old one and the
// unkeyed one are the earlier ids, newest first.
func TestEarlierContactIDs(t *testing.T) {
	old := []byte("the region secret before the rotation, 32+ bytes")
	ids, err := NewContactIDs(testSecret, old)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := NewContactIDs(old)
	want := []string{before.ID("acme", "web", "7"), LegacyContactID("acme", "web", "7")}
	if got := ids.Earlier("acme", "web", "7"); !slices.Equal(got, want) {
		t.Fatalf("Earlier = %v, want %v", got, want)
	}
}
