package event_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/internal/event"
)

func TestContactAttributesValidate(t *testing.T) {
	codec := event.NewCodec()
	contact := func(a *event.Attributes) *event.Event {
		return &event.Event{V: event.Version, ID: "e1", Kind: event.KindContactUpserted, Tenant: "t1", TS: 1,
			Actor: event.Actor{Kind: event.ActorCustomer, ID: "k1"}, Contact: &event.Contact{ID: "k1", Language: "de", Attributes: a}}
	}
	pairs := func(kv ...string) *event.Attributes {
		a := &event.Attributes{}
		for i := 0; i+1 < len(kv); i += 2 {
			a.Pairs = append(a.Pairs, event.Attribute{Key: kv[i], Value: kv[i+1]})
		}
		return a
	}
	many := &event.Attributes{}
	for i := range event.MaxAttributes + 1 {
		many.Pairs = append(many.Pairs, event.Attribute{Key: "k" + string(rune('A'+i/26)) + string(rune('a'+i%26)), Value: "v"})
	}
	for name, c := range map[string]struct {
		a  *event.Attributes
		ok bool
	}{
		"none":            {nil, true},
		"cleared":         {pairs(), true},
		"sorted":          {pairs("plan", "enterprise", "seats", "42", "x.y-z_1", "欧洲"), true},
		"a sealed value":  {pairs("plan", strings.Repeat("x", 400)), true},
		"unsorted":        {pairs("seats", "42", "plan", "x"), false},
		"twice":           {pairs("plan", "a", "plan", "b"), false},
		"empty value":     {pairs("plan", ""), false},
		"bad key":         {pairs("pl an", "x"), false},
		"long value":      {pairs("plan", strings.Repeat("x", event.MaxAttributeSealed+1)), false},
		"too many":        {many, false},
		"many minus one":  {&event.Attributes{Pairs: many.Pairs[:event.MaxAttributes]}, true},
		"key of 65 bytes": {pairs(strings.Repeat("k", 65), "x"), false},
	} {
		b, err := codec.Encode(contact(c.a))
		if c.ok != (err == nil) {
			t.Errorf("%s: Encode: %v", name, err)
			continue
		}
		if err != nil {
			if !errors.Is(err, event.ErrMalformed) {
				t.Errorf("%s: %v does not wrap ErrMalformed", name, err)
			}
			continue
		}
		back, err := codec.Decode(b)
		if err != nil || !reflect.DeepEqual(back.Contact, contact(c.a).Contact) {
			t.Errorf("%s: round trip %+v, %v", name, back.Contact, err)
		}
	}
}

func TestTags(t *testing.T) {
	if got := event.NormalizeTags([]string{" Billing ", "EN", ""}); !reflect.DeepEqual(got, []string{"billing", "en", ""}) {
		t.Errorf("NormalizeTags = %q", got)
	}
	if event.NormalizeTags(nil) != nil {
		t.Error("NormalizeTags(nil) is not nil")
	}
	for _, c := range []struct {
		langs []string
		ok    bool
	}{
		{nil, true}, {[]string{"en", "zh", "yue"}, true},
		{[]string{"zh-cn"}, false}, {[]string{"e"}, false}, {[]string{"EN"}, false}, {[]string{"en", "en"}, false},
		{make([]string, event.MaxLanguages+1), false},
	} {
		if err := event.ValidLanguages(c.langs); (err == nil) != c.ok {
			t.Errorf("ValidLanguages(%q) = %v", c.langs, err)
		}
	}
}
