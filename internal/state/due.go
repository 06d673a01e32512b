package state

import (
	"strings"

	badger "github.com/dgraph-io/badger/v4"
)

// Due is a conversation the lifecycle's clock has something for, and the
// time it counts from: a snooze's end, or when it was solved.
type Due struct {
	Tenant, Conv string
	At           int64 // unix ms
}

// DueWakes returns up to limit on-hold conversations whose snooze ends at
// or before now, the earliest first.
func (s *Store) DueWakes(now int64, limit int) ([]Due, error) {
	return s.dueBefore(prefixWake, now, limit)
}

// SolvedBefore returns up to limit solved conversations solved at or
// before ts, the earliest first.
func (s *Store) SolvedBefore(ts int64, limit int) ([]Due, error) {
	return s.dueBefore(prefixSolved, ts, limit)
}

func (s *Store) dueBefore(prefix string, bound int64, limit int) ([]Due, error) {
	var out []Due
	err := s.view(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false
		opts.Prefix = []byte(prefix)
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid() && len(out) < limit; it.Next() {
			// <prefix><16 hex ms>/<tenant>/<conv>
			rest := string(it.Item().Key()[len(prefix):])
			hex, tc, ok := strings.Cut(rest, "/")
			if !ok {
				continue
			}
			ms, err := parseSeqHex(hex)
			if err != nil {
				continue
			}
			if int64(ms) > bound {
				break
			}
			t, conv, ok := strings.Cut(tc, "/")
			if !ok {
				continue
			}
			out = append(out, Due{Tenant: t, Conv: conv, At: int64(ms)})
		}
		return nil
	})
	return out, err
}
