package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// maxNodes bounds the YAML nodes visited, aliases included, so that alias
// fan-out cannot make decoding expensive.
const maxNodes = 100_000

// defaulter is implemented by list elements that start from defaults (Backend).
type defaulter interface{ setDefaults() }

// decoder walks a yaml.Node tree into a struct by its yaml tags, recording the
// line of every field and collecting every error instead of stopping at the first.
type decoder struct {
	src      *sources
	errs     Errors
	visited  int
	tooLarge bool // the node budget ran out; the result is incomplete
}

func (d *decoder) errorf(line int, path, format string, args ...any) {
	if len(d.errs) >= maxErrors {
		return
	}
	d.errs = append(d.errs, &FieldError{Source: d.src.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
	d.src.bad[path] = true
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if d.tooLarge {
		return
	}
	if d.visited++; d.visited > maxNodes {
		d.tooLarge = true
		d.errs = Errors{{Source: d.src.file, Line: n.Line, Msg: fmt.Sprintf("document too complex: more than %d YAML values (check anchors and aliases)", maxNodes)}}
		return
	}
	line := n.Line // an alias's own line, not its anchor's
	n = resolveAlias(n)
	if isNull(n) {
		return // keep the default
	}
	if u, ok := v.Addr().Interface().(yaml.Unmarshaler); ok {
		if err := u.UnmarshalYAML(n); err != nil {
			d.errorf(line, path, "%s", err)
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, line, v, path)
	case reflect.Slice:
		d.decodeSlice(n, line, v, path)
	case reflect.Map:
		d.decodeMap(n, line, v, path)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.errorf(line, path, "must be a string, got %s", kindName(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Float64:
		var f float64
		if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") || n.Decode(&f) != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			d.errorf(line, path, "must be a number, got %s", kindName(n))
			return
		}
		v.SetFloat(f)
	case reflect.Int, reflect.Int64:
		var i int64
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil || v.OverflowInt(i) {
			d.errorf(line, path, "must be a whole number, got %s", kindName(n))
			return
		}
		v.SetInt(i)
	default:
		d.errorf(line, path, "internal error: cannot decode into %s", v.Type())
	}
}

func (d *decoder) decodeStruct(n *yaml.Node, line int, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.errorf(line, path, "must be a mapping of fields, got %s", kindName(n))
		return
	}
	fields, names := yamlFields(v.Type())
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := resolveAlias(n.Content[i]), n.Content[i+1]
		if key.Kind != yaml.ScalarNode {
			d.errorf(key.Line, path, "field names must be plain words, got %s", kindName(key))
			continue
		}
		if key.ShortTag() == "!!merge" {
			d.errorf(key.Line, path, "merge keys (<<) are not supported: write the fields out")
			continue
		}
		idx, ok := fields[key.Value]
		if !ok {
			if len(d.errs) < maxErrors {
				d.errs = append(d.errs, &FieldError{Source: d.src.file, Line: key.Line, Path: path, Msg: unknownFieldMsg(key.Value, names)})
			}
			continue
		}
		child := fieldPath(path, key.Value)
		if first, dup := seen[key.Value]; dup {
			d.errorf(key.Line, child, "set twice (first at line %d)", first)
			continue
		}
		seen[key.Value] = key.Line
		d.src.at[child] = origin{source: d.src.file, line: key.Line}
		d.decode(val, v.Field(idx), child)
	}
}

func (d *decoder) decodeSlice(n *yaml.Node, line int, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.errorf(line, path, "must be a list, got %s", kindName(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		p := indexPath(path, i)
		d.src.at[p] = origin{source: d.src.file, line: item.Line}
		e := s.Index(i)
		if df, ok := e.Addr().Interface().(defaulter); ok {
			df.setDefaults()
		}
		d.decode(item, e, p)
	}
	v.Set(s)
}

// decodeMap decodes a mapping of names to values (model_groups) into a map
// with string keys. Each name is recorded as a path of its own, so errors
// about it say "model_groups.small".
func (d *decoder) decodeMap(n *yaml.Node, line int, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.errorf(line, path, "must be a mapping of names, got %s", kindName(n))
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := resolveAlias(n.Content[i]), n.Content[i+1]
		if key.Kind != yaml.ScalarNode {
			d.errorf(key.Line, path, "names must be plain words, got %s", kindName(key))
			continue
		}
		if key.ShortTag() == "!!merge" {
			d.errorf(key.Line, path, "merge keys (<<) are not supported: write the entries out")
			continue
		}
		child := fieldPath(path, key.Value)
		if first, dup := seen[key.Value]; dup {
			d.errorf(key.Line, child, "set twice (first at line %d)", first)
			continue
		}
		seen[key.Value] = key.Line
		d.src.at[child] = origin{source: d.src.file, line: key.Line}
		e := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, e, child)
		m.SetMapIndex(reflect.ValueOf(key.Value), e)
	}
	v.Set(m)
}

// yamlFields maps a struct's yaml names to field indexes; names lists them in order.
func yamlFields(t reflect.Type) (map[string]int, []string) {
	fields := map[string]int{}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		fields[name] = i
		names = append(names, name)
	}
	return fields, names
}

// resolveAlias follows an alias to the node it names.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for range 8 {
		if n.Kind != yaml.AliasNode || n.Alias == nil {
			break
		}
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// kindName describes a node for an error message, quoting (and shortening) scalars.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return quote(n.Value)
	case yaml.AliasNode:
		return "an alias"
	default:
		return "a document"
	}
}

// maxQuoted bounds how much of a user's value an error message repeats.
const maxQuoted = 64

// quote returns s in double quotes, shortened to maxQuoted runes.
func quote(s string) string {
	if utf8.RuneCountInString(s) > maxQuoted {
		r := []rune(s)
		return strconv.Quote(string(r[:maxQuoted])) + "..."
	}
	return strconv.Quote(s)
}
