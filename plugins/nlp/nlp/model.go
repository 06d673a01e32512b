package nlp

import "math"

// Model is a linear classifier over hashed features (multinomial logistic
// regression): the logit of label j is
//
//	Bias[j] + Scale × Σ weight(f, j) / √n
//
// over the n features f of a message (a feature that occurs twice counts
// twice). The weights are quantised to 63 levels and packed one byte each
// in W, row by row (a row per hash bucket, a byte per label): '@' is 0,
// '!' is −31 and '_' is +31. Packed that way a model is a string constant
// of a few tens of kilobytes, read in place with no decoding.
type Model struct {
	Labels []string
	Bits   uint // W has 1<<Bits rows
	Scale  float64
	Bias   []float64
	W      string
}

// Weight packing.
const (
	WeightZero = '@'
	WeightMax  = 31 // the levels are −WeightMax … WeightMax
)

// MaxLabels bounds a model's labels.
const MaxLabels = 16

// Probs sets probs[j] (len(m.Labels) of them) to the probability of label
// j given the features, with bonus added to the logit of label bonusTo
// (−1: none), and returns the most probable label's index.
func (m *Model) Probs(feats []uint32, bonusTo int, bonus float64, probs []float64) int {
	return m.probs(m.sums(feats), len(feats), bonusTo, bonus, probs)
}

// ProbsPair is Probs of two models over the same features, m's into
// probs and o's into oprobs, returning both best labels. When the models
// fit (the same hash buckets, at most 16 and 8 labels) it reads the
// features once for both, which under WebAssembly saves a tenth of an
// analysis.
func (m *Model) ProbsPair(o *Model, feats []uint32, probs, oprobs []float64) (best, obest int) {
	if m.Bits != o.Bits || len(m.Labels) > 16 || len(o.Labels) > 8 {
		return m.Probs(feats, -1, 0, probs), o.Probs(feats, -1, 0, oprobs)
	}
	acc, oacc := m.sumsPair(o, feats)
	return m.probs(acc, len(feats), -1, 0, probs), o.probs(oacc, len(feats), -1, 0, oprobs)
}

// probs is Probs from the features' sums.
func (m *Model) probs(acc [MaxLabels]int32, n int, bonusTo int, bonus float64, probs []float64) int {
	c := len(m.Labels)
	norm := 0.0
	if n > 0 {
		norm = m.Scale / math.Sqrt(float64(n))
	}
	zero := int32(n) * WeightZero
	best := 0
	for j := range c {
		probs[j] = m.Bias[j] + float64(acc[j]-zero)*norm
		if j == bonusTo {
			probs[j] += bonus
		}
		if probs[j] > probs[best] {
			best = j
		}
	}
	top, sum := probs[best], 0.0
	for j := range c {
		probs[j] = expNeg(probs[j] - top)
		sum += probs[j]
	}
	for j := range c {
		probs[j] /= sum
	}
	return best
}

// Packed-row arithmetic: 16-bit lanes of a 64-bit word, and how many
// weights (at most 0x7F each) a lane takes before it could overflow.
const (
	lanes = 0x00FF00FF00FF00FF
	batch = 65535 / 0x7F
)

// sums adds up the packed weights of the features' rows, label by label.
// A row's bytes are read eight at a time and added in 16-bit lanes (the
// even bytes of each word in one sum, the odd in another), so that a
// feature costs a load and four additions for up to eight labels; the
// lanes are emptied before they can overflow.
func (m *Model) sums(feats []uint32) [MaxLabels]int32 {
	c := len(m.Labels)
	mask := uint32(1)<<m.Bits - 1
	w := m.W
	var acc [MaxLabels]int32
	var even0, odd0, even1, odd1 uint64 // lanes of labels 0–7 and 8–15
	n := 0
	for _, f := range feats {
		at := int(f&mask) * c
		if at+16 > len(w) { // the last rows: byte by byte
			for j := range c {
				acc[j] += int32(w[at+j])
			}
			continue
		}
		x := load64(w, at)
		even0 += x & lanes
		odd0 += x >> 8 & lanes
		if c > 8 {
			x = load64(w, at+8)
			even1 += x & lanes
			odd1 += x >> 8 & lanes
		}
		if n++; n == batch {
			addLanes(&acc, even0, odd0, even1, odd1)
			even0, odd0, even1, odd1, n = 0, 0, 0, 0, 0
		}
	}
	addLanes(&acc, even0, odd0, even1, odd1)
	return acc
}

// sumsPair is sums of m (up to 16 labels) and o (up to 8) in one pass.
func (m *Model) sumsPair(o *Model, feats []uint32) (acc, oacc [MaxLabels]int32) {
	c, oc := len(m.Labels), len(o.Labels)
	mask := uint32(1)<<m.Bits - 1
	w, ow := m.W, o.W
	var even0, odd0, even1, odd1, oeven, oodd uint64
	n := 0
	for _, f := range feats {
		at, oat := int(f&mask)*c, int(f&mask)*oc
		if at+16 > len(w) || oat+8 > len(ow) { // the last rows: byte by byte
			for j := range c {
				acc[j] += int32(w[at+j])
			}
			for j := range oc {
				oacc[j] += int32(ow[oat+j])
			}
			continue
		}
		x := load64(w, at)
		even0 += x & lanes
		odd0 += x >> 8 & lanes
		x = load64(w, at+8)
		even1 += x & lanes
		odd1 += x >> 8 & lanes
		x = load64(ow, oat)
		oeven += x & lanes
		oodd += x >> 8 & lanes
		if n++; n == batch {
			addLanes(&acc, even0, odd0, even1, odd1)
			addLanes(&oacc, oeven, oodd, 0, 0)
			even0, odd0, even1, odd1, oeven, oodd, n = 0, 0, 0, 0, 0, 0, 0
		}
	}
	addLanes(&acc, even0, odd0, even1, odd1)
	addLanes(&oacc, oeven, oodd, 0, 0)
	return acc, oacc
}

// addLanes adds the 16-bit lanes of sums to acc.
func addLanes(acc *[MaxLabels]int32, even0, odd0, even1, odd1 uint64) {
	for l := range 4 {
		acc[2*l] += int32(even0 >> (16 * l) & 0xFFFF)
		acc[2*l+1] += int32(odd0 >> (16 * l) & 0xFFFF)
		acc[8+2*l] += int32(even1 >> (16 * l) & 0xFFFF)
		acc[8+2*l+1] += int32(odd1 >> (16 * l) & 0xFFFF)
	}
}

// load64 reads 8 bytes of s at i, little-endian (one load where the
// compiler combines them).
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// expNeg is e^x for x ≤ 0, to a relative error below 1e-8: 2^k·2^f with
// k whole and |f| ≤ ½, 2^f by its Taylor series to the eighth term. It
// is several times faster than math.Exp under WebAssembly, and the
// probabilities it makes end as whole percentages.
func expNeg(x float64) float64 {
	if x < -700 {
		return 0
	}
	t := x * math.Log2E
	k := math.Floor(t + 0.5)
	f := (t - k) * math.Ln2
	p := 1 + f*(1+f*(1.0/2+f*(1.0/6+f*(1.0/24+f*(1.0/120+f*(1.0/720+f*(1.0/5040+f/40320)))))))
	return math.Float64frombits(math.Float64bits(p) + uint64(int64(k))<<52)
}

// Label returns the index of label l, or −1.
func (m *Model) Label(l string) int {
	for j, x := range m.Labels {
		if x == l {
			return j
		}
	}
	return -1
}
