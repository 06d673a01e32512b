package edge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/edgedesk/edgedesk/edge/config"
	"github.com/edgedesk/edgedesk/edge/journal"
)

// RebuildResult is what a rebuild did.
type RebuildResult struct {
	// Events is how many events of the log the new state applied.
	Events int
	// LastSeq is the log sequence the new state reached; it exceeds
	// Events when the log has gaps (deleted or purged entries).
	LastSeq uint64
}

// Rebuild builds the state again from the event log and exits. It takes
// the data directory's lock, so it refuses to run while a node holds it.
// The new state is built in <data>/state.rebuild; only once it has caught
// up with the log is it swapped in for <data>/state. When the log cannot
// be read (a clustered node whose peers are down, ctx ending) the old
// state is left as it was.
func Rebuild(ctx context.Context, cfg config.Config, log *slog.Logger) (res RebuildResult, err error) {
	n := New(cfg, log)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return res, fmt.Errorf("create data directory: %w", err)
	}
	lock, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return res, err
	}
	defer func() {
		if rerr := lock.release(); rerr != nil {
			n.log.Warn("release the data directory's lock", "err", rerr)
		}
	}()
	live := n.dataPath("state")
	next := n.dataPath("state.rebuild")
	// left by a rebuild that crashed or failed
	if err := os.RemoveAll(next); err != nil {
		return res, fmt.Errorf("remove %s left by an earlier rebuild: %w", next, err)
	}
	untouched := func(err error) error {
		if rerr := os.RemoveAll(next); rerr != nil {
			n.log.Warn("remove the unfinished state", "dir", next, "err", rerr)
		}
		return fmt.Errorf("%w; the state in %s was left untouched", err, live)
	}

	n.stateDir = next
	if err := n.openCore(ctx); err != nil {
		n.close()
		return res, untouched(fmt.Errorf("open the event log: %w", err))
	}
	// The journal openCore made has no observer without metrics; this one
	// counts what it applies.
	var applied atomic.Int64
	n.journal = journal.New(n.bus, n.store, journal.Options{Origin: cfg.Node.ID,
		Log: n.log.With("component", "projector"), Linger: cfg.Projector.Linger,
		Obs: journal.Observer{Applied: func(k int) { applied.Add(int64(k)) }}})
	runCtx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		_ = n.journal.Run(runCtx)
	}()
	err = n.journal.CatchUp(ctx)
	// close stops the projector first, so the count and the sequence
	// describe the same batch
	n.close()
	res = RebuildResult{Events: int(applied.Load()), LastSeq: n.store.Applied()}
	if err != nil {
		return res, untouched(fmt.Errorf("read the event log: %w", err))
	}
	if err := swapDir(live, next, n.dataPath("state.old")); err != nil {
		return res, err
	}
	return res, nil
}

// swapDir puts next in place of live: live is renamed to old, next to
// live, then old is removed. A crash between the two renames leaves no
// live directory, which start-up rebuilds from the log.
func swapDir(live, next, old string) error {
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("remove %s left by an earlier rebuild: %w", old, err)
	}
	hadLive := true
	if err := os.Rename(live, old); errors.Is(err, os.ErrNotExist) {
		hadLive = false
	} else if err != nil {
		return fmt.Errorf("move the old state aside: %w; the state in %s was left untouched", err, live)
	}
	if err := os.Rename(next, live); err != nil {
		if hadLive {
			if rerr := os.Rename(old, live); rerr != nil {
				return fmt.Errorf("move the new state in: %w; and moving the old state back: %v (it is in %s)", err, rerr, old)
			}
		}
		return fmt.Errorf("move the new state in: %w; the state in %s was left untouched", err, live)
	}
	if err := syncDir(filepath.Dir(live)); err != nil {
		return fmt.Errorf("sync the data directory: %w", err)
	}
	if hadLive {
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("remove the old state in %s: %w (the new state is in place)", old, err)
		}
	}
	return nil
}

// syncDir makes the renames in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
