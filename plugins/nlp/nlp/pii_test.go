package nlp

import (
	"reflect"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/wasm/abi"
)

// span is an expected finding: its kind and its text (the first
// occurrence in the message).
type span struct{ kind, text string }

func TestFindPII(t *testing.T) {
	for _, c := range []struct {
		name, text string
		want       []span
	}{
		// e-mail
		{"email", "write to jane.doe+shop@example.co.uk please", []span{{abi.PIIEmail, "jane.doe+shop@example.co.uk"}}},
		{"email at the end of a sentence", "My email is li.wei@mail.example.cn.", []span{{abi.PIIEmail, "li.wei@mail.example.cn"}}},
		{"QQ mail is an email, not a phone", "邮箱13812345678@qq.com谢谢", []span{{abi.PIIEmail, "13812345678@qq.com"}}},
		{"two emails", "a@b.io, c_d@e-f.com", []span{{abi.PIIEmail, "a@b.io"}, {abi.PIIEmail, "c_d@e-f.com"}}},
		{"not an email: a handle", "ping @support or me@localhost", nil},
		{"not an email: numeric TLD", "user@10.0.0.1", nil},
		{"not an email: empty label", "x@a..com", nil},
		// phones
		{"international", "call +44 20 7946 0958 after 5", []span{{abi.PIIPhone, "+44 20 7946 0958"}}},
		{"international with parentheses", "+1 (415) 555-2671", []span{{abi.PIIPhone, "+1 (415) 555-2671"}}},
		{"international with a trunk zero", "tel:+44 (0)20 7946 0958", []span{{abi.PIIPhone, "+44 (0)20 7946 0958"}}},
		{"international, Chinese", "我的电话+86 138 1234 5678", []span{{abi.PIIPhone, "+86 138 1234 5678"}}},
		{"US with dashes", "reach me at 415-555-2671.", []span{{abi.PIIPhone, "415-555-2671"}}},
		{"US with dots", "415.555.2671", []span{{abi.PIIPhone, "415.555.2671"}}},
		{"US with parentheses", "(415) 555-2671 is my cell", []span{{abi.PIIPhone, "(415) 555-2671"}}},
		{"US toll free", "1-800-555-0199", []span{{abi.PIIPhone, "1-800-555-0199"}}},
		{"Chinese mobile", "手机13812345678，谢谢", []span{{abi.PIIPhone, "13812345678"}}},
		{"Chinese mobile grouped", "139 1234 5678", []span{{abi.PIIPhone, "139 1234 5678"}}},
		{"Chinese mobile in parentheses", "(15912345678)", []span{{abi.PIIPhone, "15912345678"}}},
		{"not a phone: +5 points", "+5 points and +20%", nil},
		{"not a phone: 12 digits starting 138", "138123456789", nil},
		{"not a phone: area code 0xx", "055-555-1234", nil},
		{"not a phone: order reference", "order #13812345678", nil},
		{"not a phone: code with letters", "SKU-415-555-2671", nil},
		{"not a phone: 12 Chinese-like digits", "订单号：112345678901", nil},
		// cards
		{"Visa grouped", "card 4111 1111 1111 1111 exp 12/27", []span{{abi.PIICard, "4111 1111 1111 1111"}}},
		{"Mastercard dashed", "5500-0000-0000-0004", []span{{abi.PIICard, "5500-0000-0000-0004"}}},
		{"Amex 4-6-5", "378282 246310005", []span{{abi.PIICard, "378282 246310005"}}},
		{"Amex contiguous", "卡号378282246310005", []span{{abi.PIICard, "378282246310005"}}},
		{"13 digits", "4222222222222", []span{{abi.PIICard, "4222222222222"}}},
		{"19 digits", "6212345678901234569", []span{{abi.PIICard, "6212345678901234569"}}},
		{"not a card: fails Luhn", "4111 1111 1111 1112", nil},
		{"not a card: 16 digits failing Luhn", "order 1234567812345678 shipped", nil},
		{"not a card: 20 digits", "41111111111111111111", nil},
		{"not a card: tracking number starting 9", "9400111899223197428490", nil},
		// IDs
		{"Chinese ID with X", "身份证号11010519491231002X", []span{{abi.PIIID, "11010519491231002X"}}},
		{"Chinese ID with x", "id 11010519491231002x.", []span{{abi.PIIID, "11010519491231002x"}}},
		{"Chinese ID", "440308199901011234", []span{{abi.PIIID, "440308199901011234"}}},
		{"Chinese ID, leap day", "310115200002290048", []span{{abi.PIIID, "310115200002290048"}}},
		{"not an ID: wrong check digit", "110105194912310039", nil},
		{"not an ID: month 13", "110105194913310038", nil},
		{"SSN", "SSN 123-45-6789", []span{{abi.PIIID, "123-45-6789"}}},
		{"not an SSN: area 000", "000-12-3456", nil},
		{"not an SSN: area 666", "666-12-3456", nil},
		{"not an SSN: area 9xx", "912-34-5678", nil},
		{"not an SSN: group 00", "123-00-4567", nil},
		{"not an SSN: serial 0000", "123-45-0000", nil},
		// things that are not personal data
		{"dates", "on 2024-05-12, 12/05/2024 or 05-12-2024 at 10:30", nil},
		{"prices", "it was $1,299.99, now ¥3999 or €49,90", nil},
		{"order numbers", "ORD-2024-000123, #20240512-88812, A1234567890123", nil},
		{"an IP address", "192.168.100.200", nil},
		{"a version", "v2.345.678.9012", nil},
		{"nothing", "", nil},
		// several kinds
		{"mixed", "I'm bob@example.com, +1 415 555 2671, card 4539 5787 6362 1486, SSN 078-05-1120",
			[]span{{abi.PIIEmail, "bob@example.com"}, {abi.PIIPhone, "+1 415 555 2671"}, {abi.PIICard, "4539 5787 6362 1486"}, {abi.PIIID, "078-05-1120"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var want []abi.PII
			for _, s := range c.want {
				i := strings.Index(c.text, s.text)
				if i < 0 {
					t.Fatalf("bad test: %q not in %q", s.text, c.text)
				}
				want = append(want, abi.PII{Kind: s.kind, Start: i, End: i + len(s.text)})
			}
			if got := FindPII(nil, c.text); !reflect.DeepEqual(got, want) {
				t.Errorf("FindPII(%q) = %v, want %v", c.text, show(c.text, got), show(c.text, want))
			}
		})
	}
}

func show(text string, pii []abi.PII) []string {
	var out []string
	for _, p := range pii {
		out = append(out, p.Kind+":"+text[p.Start:p.End])
	}
	return out
}

func TestRedact(t *testing.T) {
	text := "Hi, I'm ann@example.com, call 13812345678 or use card 4111-1111-1111-1111."
	got := Redact(text, FindPII(nil, text))
	if want := "Hi, I'm [email], call [phone] or use card [card]."; got != want {
		t.Fatalf("Redact = %q, want %q", got, want)
	}
	if got := Redact("nothing here", nil); got != "nothing here" {
		t.Fatalf("Redact without PII = %q", got)
	}
}

// FuzzFindPII: whatever the text, the spans are in order, within it, and
// do not overlap, and redacting replaces exactly them.
func FuzzFindPII(f *testing.F) {
	f.Add("a@b.io +44 20 7946 0958 4111 1111 1111 1111 11010519491231002X 123-45-6789 (415) 555-2671")
	f.Add("邮箱13812345678@qq.com谢谢")
	f.Add("+1 (")
	f.Fuzz(func(t *testing.T, text string) {
		pii := FindPII(nil, text)
		end, want := 0, len(text)
		for _, p := range pii {
			if p.Start < end || p.End <= p.Start || p.End > len(text) {
				t.Fatalf("FindPII(%q) = %v: out of order or out of the text", text, pii)
			}
			end = p.End
			want += len(p.Kind) + 2 - (p.End - p.Start)
		}
		if r := Redact(text, pii); len(r) != want {
			t.Fatalf("Redact(%q) = %q, %d bytes, want %d", text, r, len(r), want)
		}
	})
}
