package abi

import "unsafe"

// The messages of OpAnalyze, read and written without reflection like
// those of OpRoute (wire.go): the NLP plugin decodes a request and encodes
// an answer on every customer message. The bytes are those fxamacker/cbor
// writes for the struct tags of AnalyzeRequest and Analysis (FuzzAnalyze).

// DecodeAnalyzeRequest reads an AnalyzeRequest. Unknown keys are skipped;
// malformed input gives an error wrapping ErrWire and no request.
func DecodeAnalyzeRequest(b []byte) (*AnalyzeRequest, error) {
	r := &reader{b: b}
	var q AnalyzeRequest
	if err := r.analyzeRequest(&q); err != nil {
		return nil, err
	}
	return &q, nil
}

// AnalyzeRequest decodes b without allocating: the request's strings
// share b's bytes, so it is valid only while b does not change (inside a
// plugin, until the call returns). wasm/pdk decodes with it.
func (d *Decoder) AnalyzeRequest(b []byte) (AnalyzeRequest, error) {
	r := &reader{b: b, text: unsafe.String(unsafe.SliceData(b), len(b))}
	var q AnalyzeRequest
	if err := r.analyzeRequest(&q); err != nil {
		return AnalyzeRequest{}, err
	}
	return q, nil
}

func (r *reader) analyzeRequest(q *AnalyzeRequest) error {
	n, err := r.count(5)
	var seen keySet
	for i := 0; i < n && err == nil; i++ {
		var k uint64
		if k, err = r.key(&seen); err != nil {
			break
		}
		switch k {
		case 1:
			q.Tenant, err = r.str()
		case 2:
			q.Text, err = r.str()
		case 3:
			q.Language, err = r.str()
		default:
			err = r.skip(0)
		}
	}
	if err == nil {
		err = r.end()
	}
	return err
}

// Encode writes q as fxamacker/cbor would.
func (q *AnalyzeRequest) Encode() []byte {
	return q.Append(make([]byte, 0, 16+len(q.Tenant)+len(q.Text)+len(q.Language)))
}

// Append appends q's encoding to b.
func (q *AnalyzeRequest) Append(b []byte) []byte {
	w := &writer{b: b}
	n := 2
	if q.Language != "" {
		n++
	}
	w.head(5, uint64(n))
	w.head(0, 1)
	w.str(3, q.Tenant)
	w.head(0, 2)
	w.str(3, q.Text)
	if q.Language != "" {
		w.head(0, 3)
		w.str(3, q.Language)
	}
	return w.b
}

// DecodeAnalysis reads an Analysis and checks it (Analysis.Check).
// Unknown keys are skipped; malformed input gives an error wrapping
// ErrWire, an analysis that breaks the contract one wrapping ErrInvalid,
// and neither an analysis.
func DecodeAnalysis(b []byte) (*Analysis, error) {
	r := &reader{b: b}
	var a Analysis
	err := r.message(func(k uint64) (bool, error) {
		var err error
		switch k {
		case 1:
			a.Language, err = r.str()
		case 2:
			a.LanguageConfidence, err = r.intField()
		case 3:
			a.Intent, err = r.str()
		case 4:
			a.IntentConfidence, err = r.intField()
		case 5:
			a.Sentiment, err = r.str()
		case 6:
			a.SentimentScore, err = r.intField()
		case 7:
			var n int
			if n, err = r.count(4); err != nil || n == 0 {
				return true, err
			}
			a.PII = make([]PII, n)
			for i := range a.PII {
				if err = r.pii(&a.PII[i]); err != nil {
					return true, err
				}
			}
		case 8:
			a.Redacted, err = r.str()
		default:
			return false, nil
		}
		return true, err
	})
	if err == nil {
		err = a.Check()
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

func (r *reader) pii(p *PII) error {
	return r.fields(func(k uint64) (bool, error) {
		var err error
		switch k {
		case 1:
			p.Kind, err = r.str()
		case 2:
			p.Start, err = r.intField()
		case 3:
			p.End, err = r.intField()
		default:
			return false, nil
		}
		return true, err
	})
}

// Encode writes a as fxamacker/cbor would: empty fields omitted, keys in
// order.
func (a *Analysis) Encode() []byte {
	size := 24 + len(a.Language) + len(a.Intent) + len(a.Sentiment) + len(a.Redacted)
	for _, p := range a.PII {
		size += 24 + len(p.Kind)
	}
	return a.Append(make([]byte, 0, size))
}

// Append appends a's encoding to b.
func (a *Analysis) Append(b []byte) []byte {
	w := &writer{b: b}
	n := 0
	for _, set := range [...]bool{a.Language != "", a.LanguageConfidence != 0, a.Intent != "", a.IntentConfidence != 0,
		a.Sentiment != "", a.SentimentScore != 0, len(a.PII) > 0, a.Redacted != ""} {
		if set {
			n++
		}
	}
	w.head(5, uint64(n))
	w.optStr(1, a.Language)
	w.optInt(2, a.LanguageConfidence)
	w.optStr(3, a.Intent)
	w.optInt(4, a.IntentConfidence)
	w.optStr(5, a.Sentiment)
	w.optInt(6, a.SentimentScore)
	if len(a.PII) > 0 {
		w.head(0, 7)
		w.head(4, uint64(len(a.PII)))
		for _, p := range a.PII {
			w.head(5, 3)
			w.head(0, 1)
			w.str(3, p.Kind)
			w.head(0, 2)
			w.int(int64(p.Start))
			w.head(0, 3)
			w.int(int64(p.End))
		}
	}
	w.optStr(8, a.Redacted)
	return w.b
}
