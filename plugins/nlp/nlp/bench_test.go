package nlp

import (
	"testing"
	"unicode/utf8"
)

// 200-character messages, as the plugin's benchmark sends them
// (wasm/host/nlp_bench_test.go).
const (
	benchEN = "Hi, I ordered a pair of running shoes two weeks ago and the tracking page still says the parcel is waiting at the depot. Could you tell me when it will be delivered? I need them for my race on Sunday."
	benchZH = "你好，我两个星期前买了一双跑鞋，物流信息一直显示包裹在中转站，没有任何更新。请问什么时候能送到？我周日要参加比赛，很着急。如果这周送不到，我想申请退款，麻烦尽快帮我处理一下，谢谢。我的订单号是二零二四零五一二，收货地址是上海市浦东新区世纪大道一百号，联系人王先生。之前也联系过客服，说会加急处理，但是到现在还没有消息，希望这次能给我一个明确的答复，真的非常感谢你们的帮助，辛苦了，祝你们工作顺利呀！！"
)

func TestBenchMessages(t *testing.T) {
	for _, m := range []string{benchEN, benchZH} {
		if n := utf8.RuneCountInString(m); n != 200 {
			t.Errorf("%d characters, want 200: %.20q…", n, m)
		}
	}
}

// BenchmarkNLPNative is the whole analysis of a 200-character message
// (language, intent, sentiment, personal data), natively: the plugin
// runs the same code under wazero (BenchmarkNLPPlugin).
//
//	go test -run '^$' -bench 'NLP' -benchtime 5000x ./plugins/nlp/...
func BenchmarkNLPNative(b *testing.B) {
	for _, c := range []struct{ name, text string }{{"en", benchEN}, {"zh", benchZH}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if a := Analyze(c.text, ""); a.Intent == "" {
					b.Fatalf("%+v", a)
				}
			}
		})
	}
}
