package imapsource

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/edgedesk/edgedesk/internal/atomicfile"
)

// state is what the Source keeps between runs, in Options.StateFile.
type state struct {
	// Addr, User and Mailbox say which mailbox the UIDs belong to: a
	// state of another mailbox is treated as no state.
	Addr    string `json:"addr"`
	User    string `json:"user"`
	Mailbox string `json:"mailbox"`
	// UIDValidity of the mailbox when LastUID was delivered.
	UIDValidity uint32 `json:"uidvalidity"`
	// LastUID is the highest UID delivered (or refused, or skipped).
	LastUID uint32 `json:"last_uid"`
	// UnseenBelow is the mailbox's UIDNEXT when the Source started over
	// (first run, UIDVALIDITY change): of the UIDs below it, only those
	// not \Seen are delivered. 0: every UID above LastUID is.
	UnseenBelow uint32 `json:"unseen_below,omitempty"`
}

func loadState(path string) (st state, ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return state{}, false, nil
	}
	if err != nil {
		return state{}, false, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return state{}, false, fmt.Errorf("%s is not a state file (%v): remove it to start over from the unseen mails", path, err)
	}
	return st, true, nil
}

func saveState(path string, st state) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return atomicfile.Write(path, append(b, '\n'), 0o600)
}
