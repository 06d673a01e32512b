package host_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/plugins/nlp/nlp"
	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/host"
)

func nlpManifest() host.Manifest {
	m := manifest("nlp")
	m.Kind = abi.KindNLP
	return m
}

// analyze sends a message through the plugin and decodes its answer.
func analyze(p *host.Plugin, text, hint string) (*abi.Analysis, error) {
	q := abi.AnalyzeRequest{Tenant: "demo", Text: text, Language: hint}
	out, err := p.Call(context.Background(), "demo", abi.OpAnalyze, q.Encode())
	if err != nil {
		return nil, err
	}
	return abi.DecodeAnalysis(out)
}

// The NLP plugin reads language, intent, sentiment and personal data end
// to end through wazero, and answers exactly what its code answers
// natively.
func TestNLPPlugin(t *testing.T) {
	h, _ := newHost(t, host.Limits{})
	p, err := h.Load(context.Background(), pkg(t, "nlp", nlpManifest()))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		text, hint              string
		lang, intent, sentiment string
		pii                     []string // kinds
		redacted                string
	}{
		{"You charged my card 4111 1111 1111 1111 twice this month, this is unacceptable!", "en-GB",
			"en", "billing", nlp.Negative, []string{abi.PIICard}, "You charged my card [card] twice this month, this is unacceptable!"},
		{"我的快递一个星期了还没到，电话13812345678", "",
			"zh", "shipping", "", []string{abi.PIIPhone}, "我的快递一个星期了还没到，电话[phone]"},
		{"Thanks a lot, you've been really helpful!", "", "en", "greeting", nlp.Positive, nil, ""},
		{"Bonjour, je voudrais annuler ma commande, écrivez-moi à marie@example.fr", "",
			"fr", "", "", []string{abi.PIIEmail}, "Bonjour, je voudrais annuler ma commande, écrivez-moi à [email]"},
	} {
		a, err := analyze(p, c.text, c.hint)
		if err != nil {
			t.Fatalf("%q: %v", c.text, err)
		}
		var kinds []string
		for _, x := range a.PII {
			kinds = append(kinds, x.Kind)
		}
		if a.Language != c.lang || a.Intent != c.intent || (c.sentiment != "" && a.Sentiment != c.sentiment) ||
			!reflect.DeepEqual(kinds, c.pii) || a.Redacted != c.redacted {
			t.Errorf("%q: %+v", c.text, a)
		}
		if native := nlp.Analyze(c.text, c.hint); !reflect.DeepEqual(*a, native) {
			t.Errorf("%q: the plugin says %+v, the same code natively %+v", c.text, *a, native)
		}
	}
	if _, err := p.Call(context.Background(), "demo", abi.OpAnalyze, []byte{0xff}); !errors.Is(err, host.ErrPlugin) || !strings.Contains(err.Error(), "bad input") {
		t.Fatalf("garbage input: %v, want ErrPlugin", err)
	}
	if _, err := p.Call(context.Background(), "demo", abi.OpRoute, routeRequest()); !errors.Is(err, host.ErrPlugin) || !strings.Contains(err.Error(), "does not answer") {
		t.Fatalf("an op it does not answer: %v", err)
	}
}

// 200-character messages, the same as BenchmarkNLPNative's
// (plugins/nlp/nlp/bench_test.go).
var nlpBenchMessages = []struct{ name, text, lang, intent string }{
	{"en", "Hi, I ordered a pair of running shoes two weeks ago and the tracking page still says the parcel is waiting at the depot. Could you tell me when it will be delivered? I need them for my race on Sunday.", "en", "shipping"},
	{"zh", "你好，我两个星期前买了一双跑鞋，物流信息一直显示包裹在中转站，没有任何更新。请问什么时候能送到？我周日要参加比赛，很着急。如果这周送不到，我想申请退款，麻烦尽快帮我处理一下，谢谢。我的订单号是二零二四零五一二，收货地址是上海市浦东新区世纪大道一百号，联系人王先生。之前也联系过客服，说会加急处理，但是到现在还没有消息，希望这次能给我一个明确的答复，真的非常感谢你们的帮助，辛苦了，祝你们工作顺利呀！！", "zh", "shipping"},
}

// BenchmarkNLPPlugin is the analysis of one 200-character message through
// the plugin: the request encoded, the call under its deadline, the
// answer decoded and checked. It reports the p99 of single calls and
// messages per second with every core calling.
//
//	go test -run '^$' -bench 'NLP' -benchtime 5000x ./wasm/host
func BenchmarkNLPPlugin(b *testing.B) {
	// a generous deadline: this measures, it does not enforce
	h, _ := newHost(b, host.Limits{Timeout: time.Second})
	p, err := h.Load(context.Background(), pkg(b, "nlp", nlpManifest()))
	if err != nil {
		b.Fatal(err)
	}
	for _, m := range nlpBenchMessages {
		if n := utf8.RuneCountInString(m.text); n != 200 {
			b.Fatalf("the %s message has %d characters, want 200", m.name, n)
		}
		b.Run(m.name, func(b *testing.B) {
			read := func() {
				a, err := analyze(p, m.text, "")
				if err != nil {
					b.Fatal(err)
				}
				if a.Language != m.lang || a.LanguageConfidence < 50 || a.Intent != m.intent || a.Sentiment == "" {
					b.Fatalf("not a sensible reading: %+v", a)
				}
			}
			for range 100 { // instances made, caches warm
				read()
			}
			b.ResetTimer()
			measureAs(b, "messages/s", read)
		})
		// the same code natively, in the same run: the ratio is the figure
		// to compare across runs on a noisy machine
		b.Run(m.name+"-native", func(b *testing.B) {
			measureAs(b, "messages/s", func() {
				if a := nlp.Analyze(m.text, ""); a.Intent != m.intent {
					b.Fatalf("not a sensible reading: %+v", a)
				}
			})
		})
	}
}
