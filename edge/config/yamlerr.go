package config

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// A site is a node of the YAML document the decoder may complain about: a
// value, with the Go type it decodes into, or a mapping key (key), with the
// struct type it names a field of. path is the dotted key path, with list
// indexes (nats.cluster.routes[0]).
type site struct {
	n    *yaml.Node
	t    reflect.Type
	path string
	key  bool
}

// explainTypeError turns each of yaml's type errors ("line 3: cannot
// unmarshal !!str `fast` into time.Duration") into one that names the key
// path and says what to write there. It finds the key by walking the
// document b alongside the Config type for the node yaml's message is about.
// A message it cannot place is kept as it is.
func explainTypeError(b []byte, te *yaml.TypeError) error {
	var root yaml.Node
	var sites []site
	if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(&root); err == nil {
		collect(&root, reflect.TypeFor[Config](), "", 0, &sites)
	}
	used := make(map[int]bool)
	errs := make([]error, 0, len(te.Errors))
	for _, msg := range te.Errors {
		errs = append(errs, explain(msg, sites, used))
	}
	return errors.Join(errs...)
}

// explain returns the error for one of yaml's messages, matching it with the
// first site not used yet whose message yaml would have written the same.
func explain(msg string, sites []site, used map[int]bool) error {
	at, _, _ := strings.Cut(msg, ":") // "line 3"
	for i, s := range sites {
		if used[i] || at != "line "+strconv.Itoa(s.n.Line) {
			continue
		}
		line, where := s.n.Line, "`"+s.path+"`"
		switch {
		case !s.key && msg == yamlTypeMessage(s.n, s.t):
			if s.path == "" {
				where = "the file"
			}
			used[i] = true
			return fmt.Errorf("config: %s (line %d): give %s", where, line, hint(s.t))
		case s.key && msg == fmt.Sprintf("line %d: field %s not found in type %s", line, s.n.Value, s.t):
			used[i] = true
			return fmt.Errorf("config: %s (line %d): unknown key: use one of %s", where, line, strings.Join(keys(s.t), ", "))
		case s.key && strings.HasPrefix(msg, fmt.Sprintf("line %d: mapping key %q already defined at line ", line, s.n.Value)):
			used[i] = true
			first := msg[strings.LastIndexByte(msg, ' ')+1:]
			return fmt.Errorf("config: %s (line %d): given twice (first at line %s): keep one", where, line, first)
		}
	}
	return fmt.Errorf("config: %s", msg)
}

// yamlTypeMessage is the message yaml.v3 writes when node n does not decode
// into a value of type t (decoder.terror).
func yamlTypeMessage(n *yaml.Node, t reflect.Type) string {
	value := ""
	if n.Tag != "!!seq" && n.Tag != "!!map" {
		value = n.Value
		if len(value) > 10 {
			value = value[:7] + "..."
		}
		value = " `" + value + "`"
	}
	return fmt.Sprintf("line %d: cannot unmarshal %s%s into %s", n.Line, n.Tag, value, t)
}

// collect appends the sites of node n, decoded into type t at path, and of
// the nodes under it. Aliases are followed (to a bounded depth), so a value
// used twice is found at both paths.
func collect(n *yaml.Node, t reflect.Type, path string, depth int, out *[]site) {
	if depth > 64 || len(*out) > 1<<14 {
		return
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			collect(c, t, path, depth+1, out)
		}
		return
	case yaml.AliasNode:
		collect(n.Alias, t, path, depth+1, out)
		return
	}
	*out = append(*out, site{n: n, t: t, path: path})
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" { // <<: a mapping, or a list of them, merged in
				merged := []*yaml.Node{v}
				if v.Kind == yaml.SequenceNode {
					merged = v.Content
				}
				for _, m := range merged {
					collect(m, t, path, depth+1, out)
				}
				continue
			}
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			*out = append(*out, site{n: k, t: t, path: p, key: true})
			if f, ok := field(t, k.Value); ok {
				collect(v, f.Type, p, depth+1, out)
			}
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, e := range n.Content {
			collect(e, t.Elem(), path+"["+strconv.Itoa(i)+"]", depth+1, out)
		}
	}
}

// field is the field of struct type t that the YAML key name sets.
func field(t reflect.Type, name string) (reflect.StructField, bool) {
	for f := range t.Fields() {
		if tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// keys lists the YAML keys of struct type t.
func keys(t reflect.Type) []string {
	var ks []string
	for f := range t.Fields() {
		if tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); tag != "" {
			ks = append(ks, tag)
		}
	}
	return ks
}

// hint says what to write for a value of type t.
func hint(t reflect.Type) string {
	if t == reflect.TypeFor[time.Duration]() {
		return "a duration such as 15ms"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number such as 10"
	case reflect.Float32, reflect.Float64:
		return "a number such as 2.5"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "text, in quotes if it looks like a number or a boolean"
	case reflect.Slice, reflect.Array:
		return "a list such as [a, b]"
	}
	return "a mapping of keys (see deploy/edge.sample.yaml)"
}
