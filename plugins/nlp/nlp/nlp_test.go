package nlp

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLanguage(t *testing.T) {
	for _, c := range []struct {
		text, hint string
		want       string
		minConf    int // at least
		maxConf    int // at most (0: 100)
	}{
		{"Hello, my parcel has not arrived yet and I would like to know where it is.", "", "en", 80, 0},
		{"我的快递三天了还没到，请帮我查一下", "", "zh", 90, 0},
		{"Hola, quiero saber cuándo llega mi paquete, por favor.", "", "es", 50, 0},
		{"Bonjour, je voudrais savoir quand mon colis va arriver.", "", "fr", 50, 0},
		{"Guten Tag, ich möchte wissen, wann mein Paket ankommt.", "", "de", 50, 0},
		{"Olá, gostaria de saber quando o meu pacote vai chegar.", "", "pt", 50, 0},
		{"Buongiorno, vorrei sapere quando arriva il mio pacco.", "", "it", 50, 0},
		{"荷物がまだ届いていません。確認していただけますか？", "", "ja", 90, 0},
		{"주문한 물건이 아직 도착하지 않았어요", "", "ko", 90, 0},
		{"Здравствуйте, мой заказ ещё не пришёл", "", "ru", 90, 0},
		{"Добрий день, моє замовлення ще не прийшло, і я хвилююся", "", "uk", 90, 0},
		{"Γεια σας, η παραγγελία μου δεν έφτασε ακόμα", "", "el", 90, 0},
		{"שלום, ההזמנה שלי עדיין לא הגיעה", "", "he", 90, 0},
		{"مرحبا، طلبي لم يصل بعد", "", "ar", 90, 0},
		{"สวัสดีครับ พัสดุของผมยังไม่มาถึง", "", "th", 90, 0},
		{"नमस्ते, मेरा ऑर्डर अभी तक नहीं आया", "", "hi", 90, 0},
		// Chinese with some English in it
		{"我的order还没到，tracking号码是多少", "", "zh", 50, 0},
		// kanji only: Chinese, unless the hint says Japanese
		{"東京大学", "", "zh", 1, 0},
		{"東京大学", "ja-JP", "ja", 1, 0},
		// short messages: low confidence, the hint decides
		{"hi", "", "en", 1, 30},
		{"ok", "en-US", "en", 1, 30},
		{"merci", "fr-FR", "fr", 1, 60},
		{"hola", "es", "es", 1, 60},
		{"你好", "", "zh", 1, 60},
		// the hint does not outweigh a sentence
		{"Where is my order? It has been two weeks and nobody answers my emails.", "de", "en", 50, 0},
		// nothing to read
		{"", "", "", 0, 0},
		{"12345 !!! :)", "en", "", 0, 0},
		{"👍👍", "", "", 0, 0},
	} {
		lang, conf := detect(c.text, c.hint)
		maxConf := c.maxConf
		if maxConf == 0 {
			maxConf = 100
		}
		if lang != c.want || conf < c.minConf || conf > maxConf {
			t.Errorf("language(%q, hint %q) = %q %d%%, want %q with %d–%d%%", c.text, c.hint, lang, conf, c.want, c.minConf, maxConf)
		}
	}
}

// detect is the language step of Analyze.
func detect(text, hint string) (string, int) {
	var sc scripts
	return shipped.language(text, hint, textFeatures(nil, text, &sc), &sc)
}

func TestPrimaryTag(t *testing.T) {
	for tag, want := range map[string]string{"zh-Hant-TW": "zh", "EN_us": "en", "fr": "fr", "": "", "x": "", "1a": "", "toolong": "", "es-419": "es"} {
		if got := primaryTag(tag); got != want {
			t.Errorf("primaryTag(%q) = %q, want %q", tag, got, want)
		}
	}
}

// Messages written for this test, in none of the data files: what the
// models say of them, end to end.
func TestAnalyze(t *testing.T) {
	for _, c := range []struct {
		text, hint        string
		lang, intent, sen string
	}{
		{"Hi there!", "en", "en", "greeting", Neutral},
		{"I was billed twice for my subscription this month, please check the charges on my card", "", "en", "billing", Neutral},
		{"The tracking number you sent me doesn't work and my parcel is late", "", "en", "shipping", Negative},
		{"I forgot my password and the reset link never arrives", "", "en", "account", ""},
		{"Please cancel my subscription, I don't need it anymore", "", "en", "cancel", Neutral},
		{"I want my money back for the broken headphones", "", "en", "refund", ""},
		{"Thank you so much, you were really helpful!", "", "en", "greeting", Positive},
		{"This is the worst service ever, I am furious and want to speak to a manager", "", "en", "complaint", Negative},
		{"请问退款什么时候能到账？", "", "zh", "refund", Neutral},
		{"快递显示已签收，可是我没收到包裹", "", "zh", "shipping", ""},
		{"我要取消订阅", "zh-CN", "zh", "cancel", Neutral},
		{"APP一直闪退，打不开", "", "zh", "technical", ""},
		{"太感谢了，你们的服务真好！", "", "zh", "greeting", Positive},
		{"你们客服态度太差了，我要投诉", "", "zh", "complaint", Negative},
		// no intent or sentiment model for Spanish
		{"Quiero cancelar mi suscripción, por favor", "", "es", "", ""},
	} {
		a := Analyze(c.text, c.hint)
		if a.Language != c.lang || a.Intent != c.intent || (c.sen != "" && a.Sentiment != c.sen) {
			t.Errorf("Analyze(%q) = %s %d%%, %s %d%%, %s %d; want %s, %s, %s",
				c.text, a.Language, a.LanguageConfidence, a.Intent, a.IntentConfidence, a.Sentiment, a.SentimentScore, c.lang, c.intent, c.sen)
		}
		if c.intent != "" && (a.IntentConfidence <= 0 || a.IntentConfidence > 100) {
			t.Errorf("Analyze(%q): intent confidence %d", c.text, a.IntentConfidence)
		}
		if a.SentimentScore < -100 || a.SentimentScore > 100 ||
			(a.Sentiment == Positive && a.SentimentScore <= 0) || (a.Sentiment == Negative && a.SentimentScore >= 0) {
			t.Errorf("Analyze(%q): sentiment %s with score %d", c.text, a.Sentiment, a.SentimentScore)
		}
	}
}

func TestAnalyzeFindsAndRedactsPII(t *testing.T) {
	a := Analyze("My card 4111 1111 1111 1111 was charged twice, email me at sam@example.com", "")
	if len(a.PII) != 2 || a.Redacted != "My card [card] was charged twice, email me at [email]" || a.Intent != "billing" {
		t.Fatalf("Analyze = %+v", a)
	}
	if a := Analyze("no personal data here", ""); a.PII != nil || a.Redacted != "" {
		t.Fatalf("Analyze without PII = %+v", a)
	}
}

// Reading a message without personal data allocates nothing; the
// language hint is used without a copy.
func TestAnalyzeDoesNotAllocate(t *testing.T) {
	for _, text := range []string{benchEN, benchZH} {
		if n := testing.AllocsPerRun(100, func() { Analyze(text, "es-ES") }); n != 0 {
			t.Errorf("Analyze(%.20q…) allocates %v times", text, n)
		}
	}
}

// A long message is read for its language, intent and sentiment from its
// first MaxTextBytes, for personal data to the end, and a cut never
// splits a character.
func TestLongMessage(t *testing.T) {
	text := strings.Repeat("我的包裹还没有到，", 400) + " 13812345678"
	a := Analyze(text, "")
	if a.Language != "zh" || a.Intent != "shipping" || len(a.PII) != 1 || a.PII[0].End != len(text) {
		t.Fatalf("Analyze(long) = %s %s %v", a.Language, a.Intent, a.PII)
	}
	for n := range 8 {
		if p := prefix("ab你好", n); !utf8.ValidString(p) {
			t.Fatalf("prefix(%d) = %q", n, p)
		}
	}
}

// FuzzAnalyze: any text, any hint, an analysis within its ranges and no
// panic.
func FuzzAnalyze(f *testing.F) {
	f.Add("Where is my order? 13812345678", "en")
	f.Add("我的快递到哪了", "zh-CN")
	f.Add("\xff\xfe", "\x00")
	f.Fuzz(func(t *testing.T, text, hint string) {
		a := Analyze(text, hint)
		if a.LanguageConfidence < 0 || a.LanguageConfidence > 100 || a.IntentConfidence < 0 || a.IntentConfidence > 100 ||
			a.SentimentScore < -100 || a.SentimentScore > 100 {
			t.Fatalf("Analyze(%q, %q) = %+v", text, hint, a)
		}
	})
}

// word's two paths, with and without a copy, hash an ASCII word alike.
func TestWordPaths(t *testing.T) {
	for _, w := range []string{"a", "Hi", "hello", "Charges", "REFUNDS", "deliveries", "copies", "don't", "x2fa",
		"internationalisation", "abcdefgh", "abcdefghies", "abcdefies", "abcdies", "chargingly", "address", "addresses", "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF"} {
		tok, prefix := asciiWord(w)
		b := []byte(strings.ToLower(w))
		wantTok, wantPrefix, _ := wordHashes(b, true, 0, 0)
		if tok != wantTok || prefix != wantPrefix {
			t.Errorf("%q: asciiWord %x %x, wordHashes %x %x", w, tok, prefix, wantTok, wantPrefix)
		}
	}
}

func TestExpNeg(t *testing.T) {
	for x := 0.0; x > -710; x -= 0.37 {
		got, want := expNeg(x), math.Exp(x)
		if x < -700 {
			want = 0 // cut off: below 1e-304
		}
		if math.Abs(got-want) > 1e-8*want {
			t.Fatalf("expNeg(%v) = %v, want %v", x, got, want)
		}
	}
}

// ProbsPair, one pass over the features for two models, answers exactly
// what Probs of each model answers, the last hash buckets included.
func TestProbsPairIsProbsOfEach(t *testing.T) {
	for _, pair := range [][2]*Model{{&shipped.IntentEN, &shipped.SentimentEN}, {&shipped.IntentZH, &shipped.SentimentZH}} {
		m, o := pair[0], pair[1]
		last := uint32(1)<<m.Bits - 1
		for _, feats := range [][]uint32{
			nil,
			TextFeatures(nil, "I was charged twice for my refund, this is terrible"),
			TextFeatures(nil, "我的快递还没到，太慢了"),
			{last, last - 1, 0, last, 7, 1 << 31, last - 2},
			make([]uint32, 3*batch), // the lanes emptied along the way
		} {
			var p1, p2, q1, q2 [MaxLabels]float64
			b1, b2 := m.Probs(feats, -1, 0, p1[:]), o.Probs(feats, -1, 0, p2[:])
			c1, c2 := m.ProbsPair(o, feats, q1[:], q2[:])
			if b1 != c1 || b2 != c2 || p1 != q1 || p2 != q2 {
				t.Fatalf("%d features: Probs %d %v, %d %v; ProbsPair %d %v, %d %v", len(feats), b1, p1, b2, p2, c1, q1, c2, q2)
			}
		}
	}
}
