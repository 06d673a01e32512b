package bus

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// checkStream compares the stream the server holds with what the edge
// asked for: a stream that can lose, drop or have events rewritten by
// anyone is refused at start, whoever changed it.
func checkStream(got, want jetstream.StreamConfig) error {
	var diffs []string
	diff := func(field string, g, w any) {
		diffs = append(diffs, fmt.Sprintf("%s is %v, the edge needs %v", field, g, w))
	}
	if !slices.Equal(got.Subjects, want.Subjects) {
		diff("subjects", got.Subjects, want.Subjects)
	}
	if got.Storage != want.Storage {
		diff("storage", got.Storage, want.Storage)
	}
	if got.Retention != want.Retention {
		diff("retention", got.Retention, want.Retention)
	}
	if got.Replicas != want.Replicas {
		diff("replicas", got.Replicas, want.Replicas)
	}
	if got.Discard != want.Discard {
		diff("discard", got.Discard, want.Discard)
	}
	if got.DenyDelete != want.DenyDelete {
		diff("deny_delete", got.DenyDelete, want.DenyDelete)
	}
	if got.DenyPurge != want.DenyPurge {
		diff("deny_purge", got.DenyPurge, want.DenyPurge)
	}
	if got.AllowRollup || got.Sealed || got.NoAck || got.AllowMsgTTL || got.Mirror != nil || len(got.Sources) > 0 {
		diff("rollup, sealed, no_ack, allow_msg_ttl, mirror or sources", "set", "none of them")
	}
	if got.MaxMsgs > 0 || got.MaxBytes > 0 || got.MaxAge > 0 || got.MaxMsgsPerSubject > 0 {
		diff("max_msgs, max_bytes, max_age or max_msgs_per_subject", "limited", "unlimited (events leave only by the edge's own policy)")
	}
	if got.Duplicates != want.Duplicates {
		diff("duplicate_window", got.Duplicates, want.Duplicates)
	}
	if len(diffs) > 0 {
		return fmt.Errorf("%w: %s (the server kept another configuration than the edge set: inspect it with `nats stream info %s`)",
			ErrStreamConfig, strings.Join(diffs, "; "), StreamName)
	}
	return nil
}

// moveGlobalAccount moves an event log written before accounts (in NATS's
// global account, $G) into Account, so that an upgraded single node keeps
// its log. A clustered node's stream is also recorded in the cluster's
// replicated metadata under $G, so it is not moved: the node refuses to
// start and says how to upgrade.
func moveGlobalAccount(dir string, clustered bool, log *slog.Logger) error {
	old := filepath.Join(storeDir(dir), "$G", "streams", StreamName)
	if _, err := os.Stat(old); errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("look for an event log without accounts: %w", err)
	}
	dst := filepath.Join(storeDir(dir), Account)
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("both %s and %s hold an event log: keep the one of account %s and move the other away",
			filepath.Dir(filepath.Dir(old)), dst, Account)
	}
	if clustered {
		return fmt.Errorf("%w: %s was written by an edge without NATS accounts, and a clustered log cannot be moved in place "+
			"(the cluster's metadata names the old account): this version starts a region only with a new log; move %s away",
			ErrOldLog, old, dir)
	}
	if err := os.Rename(filepath.Dir(filepath.Dir(old)), dst); err != nil {
		return fmt.Errorf("move the event log into account %s: %w", Account, err)
	}
	log.Info("moved the event log into its own NATS account", "account", Account)
	return nil
}
