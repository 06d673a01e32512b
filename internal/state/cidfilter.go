package state

import "hash/maphash"

// The projector must know whether a message's client id was used before in
// its conversation (a resend). Asking Badger costs a search of every
// memtable and level for a key that is almost never there, about a sixth
// of the projector's work per message. For the conversations it opened
// itself, the projector has seen every client id, so it keeps a Bloom
// filter of them: "not in the filter" means new without asking Badger;
// "maybe" asks Badger as before. A filter only ever gains bits, so bits
// left by a transaction that was rolled back can only cause an extra read,
// never a wrong answer. Conversations opened before the process started
// have no filter and always ask Badger.

// cidFilterBits is each filter's size: 2,048 bits (256 bytes) keep false
// positives under 1% up to ~150 messages per conversation.
const cidFilterBits = 2048

// maxCIDFilters bounds the filters kept (4 MiB); when full they are all
// dropped and those conversations ask Badger from then on.
const maxCIDFilters = 1 << 14

type cidFilter [cidFilterBits / 64]uint64

// probes returns the filter's three bit positions for a client id.
func probes(seed maphash.Seed, cid string) [3]uint32 {
	h := maphash.String(seed, cid)
	a, b := uint32(h), uint32(h>>32)|1
	return [3]uint32{a % cidFilterBits, (a + b) % cidFilterBits, (a + 2*b) % cidFilterBits}
}

func (f *cidFilter) add(seed maphash.Seed, cid string) {
	for _, p := range probes(seed, cid) {
		f[p/64] |= 1 << (p % 64)
	}
}

func (f *cidFilter) mayHave(seed maphash.Seed, cid string) bool {
	for _, p := range probes(seed, cid) {
		if f[p/64]&(1<<(p%64)) == 0 {
			return false
		}
	}
	return true
}
