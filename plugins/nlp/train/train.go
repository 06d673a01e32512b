package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/edgedesk/edgedesk/plugins/nlp/nlp"
)

// The labels, in the order the models keep them.
var (
	latinLanguages = []string{"en", "es", "fr", "de", "pt", "it"}
	intents        = []string{"greeting", "billing", "refund", "shipping", "technical", "account", "cancel", "complaint", "other"}
	sentiments     = []string{nlp.Negative, nlp.Neutral, nlp.Positive}
)

// message is a labelled line of a data file.
type message struct {
	file      string
	lang      string
	intent    string // empty in lang.tsv
	sentiment string // empty in lang.tsv
	text      string
}

// dataset is the data files' messages, split.
type dataset struct {
	train, test []message
}

// heldOut says whether the n-th message (from 0) of a file is held out:
// every fifth.
func heldOut(n int) bool { return n%5 == 4 }

// load reads en.tsv and zh.tsv (intent, sentiment, text) and lang.tsv
// (language, text). Blank lines and lines starting with # are not
// messages.
func load(dir string) (dataset, error) {
	var set dataset
	for _, f := range []struct {
		name, lang string
		fields     int
	}{{"en.tsv", "en", 3}, {"zh.tsv", "zh", 3}, {"lang.tsv", "", 2}} {
		file, err := os.Open(filepath.Join(dir, f.name))
		if err != nil {
			return dataset{}, err
		}
		sc := bufio.NewScanner(file)
		line, n := 0, 0
		for sc.Scan() {
			line++
			text := strings.TrimSpace(sc.Text())
			if text == "" || text[0] == '#' {
				continue
			}
			parts := strings.Split(text, "\t")
			if len(parts) != f.fields {
				file.Close()
				return dataset{}, fmt.Errorf("%s:%d: %d tab-separated fields, want %d", f.name, line, len(parts), f.fields)
			}
			m := message{file: f.name, lang: f.lang, text: parts[len(parts)-1]}
			if f.fields == 3 {
				m.intent, m.sentiment = parts[0], parts[1]
				if !slices.Contains(intents, m.intent) || !slices.Contains(sentiments, m.sentiment) {
					file.Close()
					return dataset{}, fmt.Errorf("%s:%d: unknown intent %q or sentiment %q", f.name, line, m.intent, m.sentiment)
				}
			} else {
				m.lang = parts[0]
				if !slices.Contains(latinLanguages, m.lang) {
					file.Close()
					return dataset{}, fmt.Errorf("%s:%d: language %q is not one of %v", f.name, line, m.lang, latinLanguages)
				}
			}
			if heldOut(n) {
				set.test = append(set.test, m)
			} else {
				set.train = append(set.train, m)
			}
			n++
		}
		err = sc.Err()
		file.Close()
		if err != nil {
			return dataset{}, fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return set, nil
}

// dev is the split for tuning: the training messages, every fifth of each
// file to measure on. The held-out messages are not in it.
func (set dataset) dev() dataset {
	var d dataset
	n := map[string]int{}
	for _, m := range set.train {
		if heldOut(n[m.file]) {
			d.test = append(d.test, m)
		} else {
			d.train = append(d.train, m)
		}
		n[m.file]++
	}
	return d
}

// Hash table sizes (bits): a row per bucket, a byte per label.
const (
	latinBits = 12
	textBits  = 12
)

// train fits every model to the training messages.
func train(set dataset) (nlp.Models, error) {
	var ms nlp.Models
	var latin, intentEN, intentZH, sentEN, sentZH []example
	for _, m := range set.train {
		f := nlp.TextFeatures(nil, m.text)
		if slices.Contains(latinLanguages, m.lang) {
			latin = append(latin, example{nlp.GramFeatures(f[:len(f):len(f)], m.text), slices.Index(latinLanguages, m.lang), 1})
		}
		if m.intent == "" {
			continue
		}
		in := example{f, slices.Index(intents, m.intent), 1}
		se := example{f, slices.Index(sentiments, m.sentiment), 1}
		switch m.lang {
		case "en":
			intentEN, sentEN = append(intentEN, in), append(sentEN, se)
		case "zh":
			intentZH, sentZH = append(intentZH, in), append(sentZH, se)
		}
	}
	for _, t := range []struct {
		model  *nlp.Model
		name   string
		labels []string
		bits   uint
		exs    []example
	}{
		{&ms.Latin, "language", latinLanguages, latinBits, latin},
		{&ms.IntentEN, "intent (en)", intents, textBits, intentEN},
		{&ms.IntentZH, "intent (zh)", intents, textBits, intentZH},
		{&ms.SentimentEN, "sentiment (en)", sentiments, textBits, sentEN},
		{&ms.SentimentZH, "sentiment (zh)", sentiments, textBits, sentZH},
	} {
		if err := balance(t.exs, len(t.labels)); err != nil {
			return nlp.Models{}, fmt.Errorf("%s: %w", t.name, err)
		}
		w, bias := fit(t.exs, len(t.labels), t.bits)
		*t.model = quantize(t.labels, t.bits, w, bias)
	}
	return ms, nil
}

// example is a training message as features and a label.
type example struct {
	feats  []uint32
	label  int
	weight float64
}

// balance weighs the examples so that every label weighs the same in all.
func balance(exs []example, labels int) error {
	count := make([]int, labels)
	for _, e := range exs {
		count[e.label]++
	}
	for l, c := range count {
		if c == 0 {
			return fmt.Errorf("no training message of label %d", l)
		}
	}
	for i := range exs {
		exs[i].weight = float64(len(exs)) / float64(labels*count[exs[i].label])
	}
	return nil
}

// Training settings, chosen with -dev.
const (
	epochs = 40
	rate0  = 2
	decay  = 0.1 // the rate at epoch e is rate0 / (1 + decay·e)
	l2     = 1e-3
)

// fit trains multinomial logistic regression by stochastic gradient
// descent with L2 regularisation, visiting the examples in a shuffled
// order that depends only on their number, and with arithmetic that
// rounds alike on every machine (see exp), so that the same data always
// gives the same model. A feature's value is its count over √n, n the
// message's number of features, as nlp.Model reads it.
func fit(exs []example, labels int, bits uint) (w, bias []float64) {
	w = make([]float64, labels<<bits)
	bias = make([]float64, labels)
	mask := uint32(1)<<bits - 1
	order := make([]int, len(exs))
	for i := range order {
		order[i] = i
	}
	rng := splitmix(uint64(len(exs)))
	logit := make([]float64, labels)
	for e := range epochs {
		rate := rate0 / (1 + float64(decay*float64(e)))
		for i := len(order) - 1; i > 0; i-- {
			j := int(rng.next() % uint64(i+1))
			order[i], order[j] = order[j], order[i]
		}
		for _, k := range order {
			ex := exs[k]
			x := 1.0
			if len(ex.feats) > 0 {
				x = 1 / math.Sqrt(float64(len(ex.feats)))
			}
			copy(logit, bias)
			for _, f := range ex.feats {
				row := w[int(f&mask)*labels:][:labels]
				for j := range row {
					logit[j] += float64(row[j] * x)
				}
			}
			softmax(logit)
			for j := range logit {
				g := logit[j]
				if j == ex.label {
					g--
				}
				logit[j] = float64(g * ex.weight)
			}
			for _, f := range ex.feats {
				row := w[int(f&mask)*labels:][:labels]
				for j := range row {
					row[j] -= float64(rate * float64(float64(logit[j]*x)+float64(l2*row[j])))
				}
			}
			for j := range bias {
				bias[j] -= float64(rate * logit[j])
			}
		}
	}
	return w, bias
}

func softmax(v []float64) {
	top := slices.Max(v)
	sum := 0.0
	for j := range v {
		v[j] = exp(v[j] - top)
		sum += v[j]
	}
	for j := range v {
		v[j] /= sum
	}
}

// exp is e^x for x ≤ 0 computed alike on every machine, so that training
// gives the same model everywhere: math.Exp's assembly differs between
// CPUs, and the compiler may fuse a multiplication and an addition into
// one instruction on some (the conversions to float64 here and in fit
// forbid it). 2^k·2^f with k whole and |f| ≤ ½, 2^f by its Taylor series.
func exp(x float64) float64 {
	if x < -700 {
		return 0
	}
	t := float64(x * math.Log2E)
	k := math.Floor(t + 0.5)
	f := float64((t - k) * math.Ln2)
	p := 1.0 / 40320
	for _, c := range [...]float64{1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 1.0 / 2, 1, 1} {
		p = float64(p*f) + c
	}
	return math.Float64frombits(math.Float64bits(p) + uint64(int64(k))<<52)
}

// splitmix is a small generator whose sequence no library change can
// alter.
type splitmix uint64

func (s *splitmix) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// quantize packs the weights into a model: a scale that maps the largest
// weight's magnitude to the largest level, and each weight rounded to its
// level. (Clipping the largest few for finer levels lost accuracy: the
// rare large weights are the telling words.)
func quantize(labels []string, bits uint, w, bias []float64) nlp.Model {
	top := 0.0
	for _, x := range w {
		top = math.Max(top, math.Abs(x))
	}
	scale := 1.0
	if top > 0 {
		scale = top / nlp.WeightMax
	}
	// rounded to 6 significant digits, so the source says it exactly
	scale, _ = parseFloat(fmt.Sprintf("%.6g", scale))
	packed := make([]byte, len(w))
	for i, x := range w {
		q := math.Round(x / scale)
		q = math.Max(-nlp.WeightMax, math.Min(nlp.WeightMax, q))
		packed[i] = byte(nlp.WeightZero + int(q))
	}
	b := make([]float64, len(bias))
	for j, x := range bias {
		b[j], _ = parseFloat(fmt.Sprintf("%.6g", x))
	}
	return nlp.Model{Labels: labels, Bits: bits, Scale: scale, Bias: b, W: string(packed)}
}
