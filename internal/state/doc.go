// Package state is the materialized state of Edgedesk: the projector that
// turns the event log into Badger records, and the queries that read them.
//
// The projector is a pure function of the state and the next event in log
// order, and it writes the sequence it has applied in the same transaction as
// the records, so state can always be rebuilt from the log and a rebuilt store
// equals the original byte for byte. The edge and the hub run the same code.
package state
