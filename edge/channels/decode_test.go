package channels

import (
	"strings"
	"testing"
)

func TestGuards(t *testing.T) {
	for name, tc := range map[string]struct {
		json string
		deep bool
	}{
		"flat":                {`{"a":[1,2,{"b":3}]}`, false},
		"brackets in strings": {`{"a":"[[[[[[[[[[[[\"{{{{{{{{{{"}`, false},
		"deep":                {strings.Repeat("[", 9) + strings.Repeat("]", 9), true},
		"unclosed bomb":       {strings.Repeat(`{"a":`, 100000), true},
	} {
		if got := JSONTooDeep([]byte(tc.json), 8); got != tc.deep {
			t.Errorf("%s: too deep %v, want %v", name, got, tc.deep)
		}
	}
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><xml><Content>&lol2;</Content></xml>`
	external := `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "http://127.0.0.1:1/secret">]><xml><Content>&e;</Content></xml>`
	for name, tc := range map[string]struct {
		xml  string
		want string // "" accepted
	}{
		"message":           {`<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Content>hi</Content></xml>`, ""},
		"billion laughs":    {laughs, "DOCTYPE"},
		"external entity":   {external, "DOCTYPE"},
		"undeclared entity": {`<xml><Content>&x;</Content></xml>`, "syntax error"},
		"deep":              {strings.Repeat("<a>", 9) + strings.Repeat("</a>", 9), "nested deeper than 8"},
		"not closed":        {`<xml><Content>hi</Content>`, "not closed"},
	} {
		err := CheckXML([]byte(tc.xml))
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "lol") {
			t.Errorf("%s: the error quotes the body: %v", name, err)
		}
	}
}
