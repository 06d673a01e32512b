package ticket

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/internal/event"
)

// TypeDef is the built-in type field as a tenant has it when it does not
// set it: a drop-down of event.Types, not required.
var TypeDef = event.FieldDef{Key: event.TypeField, Label: "Type", Kind: event.FieldDropdown, Options: event.Types}

// Fields are a tenant's fields as agents see them: the type first (the
// tenant's, else TypeDef), then the others in their order.
func Fields(defs []event.FieldDef) []event.FieldDef {
	out := make([]event.FieldDef, 0, len(defs)+1)
	i := slices.IndexFunc(defs, func(d event.FieldDef) bool { return d.Key == event.TypeField })
	if i >= 0 {
		out = append(out, defs[i])
	} else {
		out = append(out, TypeDef)
	}
	for _, d := range defs {
		if d.Key != event.TypeField {
			out = append(out, d)
		}
	}
	return out
}

// CheckFields says what is wrong with a tenant's custom fields, naming
// the field: keys, labels, kinds, a drop-down's options. The type field
// may be set to require it or to offer fewer of its options.
func CheckFields(defs []event.FieldDef) error {
	if len(defs) > event.MaxFields {
		return fmt.Errorf("%d fields: a tenant has at most %d", len(defs), event.MaxFields)
	}
	keys := map[string]bool{}
	for i, d := range defs {
		name := fmt.Sprintf("field %d (%q)", i+1, d.Key)
		switch {
		case !event.ValidFieldKey(d.Key):
			return fmt.Errorf("%s: key must be 1-%d lower-case letters, digits or '_', starting with a letter", name, event.MaxFieldKey)
		case keys[d.Key]:
			return fmt.Errorf("%s: key is used by another field", name)
		case strings.TrimSpace(d.Label) == "" || utf8.RuneCountInString(d.Label) > event.MaxFieldLabel || !utf8.ValidString(d.Label):
			return fmt.Errorf("%s: label must be 1-%d characters", name, event.MaxFieldLabel)
		case !slices.Contains(event.FieldKinds, d.Kind):
			return fmt.Errorf("%s: kind %q: one of %s", name, d.Kind, strings.Join(event.FieldKinds, ", "))
		case d.Kind != event.FieldDropdown && len(d.Options) > 0:
			return fmt.Errorf("%s: only a drop-down has options", name)
		case d.Kind == event.FieldDropdown && len(d.Options) == 0:
			return fmt.Errorf("%s: a drop-down needs options", name)
		case len(d.Options) > event.MaxOptions:
			return fmt.Errorf("%s: %d options: a drop-down has at most %d", name, len(d.Options), event.MaxOptions)
		case d.Key == event.TypeField && d.Kind != event.FieldDropdown:
			return fmt.Errorf("%s: the type is a drop-down", name)
		}
		keys[d.Key] = true
		seen := map[string]bool{}
		for _, o := range d.Options {
			switch {
			case strings.TrimSpace(o) == "" || utf8.RuneCountInString(o) > event.MaxOptionLen || !utf8.ValidString(o) || strings.ContainsAny(o, "\n\r\t"):
				return fmt.Errorf("%s: option %q: 1-%d characters on one line", name, truncate(o, 40), event.MaxOptionLen)
			case seen[o]:
				return fmt.Errorf("%s: option %q is there twice", name, o)
			case d.Key == event.TypeField && !slices.Contains(event.Types, o):
				return fmt.Errorf("%s: the type's options are %s", name, strings.Join(event.Types, ", "))
			}
			seen[o] = true
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// Value checks a value of field d and returns it as kept: a number
// without spaces, a date as YYYY-MM-DD, a checkbox "true" or "false",
// text trimmed.
func Value(d *event.FieldDef, v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", fmt.Errorf("%s: not UTF-8", d.Label)
	}
	switch d.Kind {
	case event.FieldText:
		v = strings.TrimSpace(v)
		if v == "" || len(v) > event.MaxFieldValue {
			return "", fmt.Errorf("%s: text of 1-%d bytes", d.Label, event.MaxFieldValue)
		}
		return v, nil
	case event.FieldNumber:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return "", fmt.Errorf("%s: %q is not a number", d.Label, truncate(v, 40))
		}
		return strconv.FormatFloat(f, 'f', -1, 64), nil
	case event.FieldDate:
		t, err := time.Parse(time.DateOnly, strings.TrimSpace(v))
		if err != nil {
			return "", fmt.Errorf("%s: %q is not a date (YYYY-MM-DD)", d.Label, truncate(v, 40))
		}
		return t.Format(time.DateOnly), nil
	case event.FieldCheckbox:
		if v != "true" && v != "false" {
			return "", fmt.Errorf("%s: true or false, not %q", d.Label, truncate(v, 40))
		}
		return v, nil
	case event.FieldDropdown:
		if !slices.Contains(d.Options, v) {
			return "", fmt.Errorf("%s: %q is not one of its options", d.Label, truncate(v, 40))
		}
		return v, nil
	}
	return "", fmt.Errorf("%s: a field of unknown kind %q", d.Label, d.Kind)
}

// Missing are the fields required to solve that values lack (a
// checkbox counts as given only when true).
func Missing(defs []event.FieldDef, values []event.FieldValue) []event.FieldDef {
	var out []event.FieldDef
	for _, d := range Fields(defs) {
		if !d.RequiredOnSolve {
			continue
		}
		i := slices.IndexFunc(values, func(v event.FieldValue) bool { return v.Key == d.Key })
		if i < 0 || d.Kind == event.FieldCheckbox && values[i].Value != "true" {
			out = append(out, d)
		}
	}
	return out
}
