package state

import badger "github.com/dgraph-io/badger/v4"

// CountPrefix counts the store's keys under prefix (tests).
func (s *Store) CountPrefix(prefix string) int {
	n := 0
	_ = s.view(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix, opts.PrefetchValues = []byte(prefix), false
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	return n
}
