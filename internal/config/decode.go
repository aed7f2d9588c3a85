package config

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/assetbot/assetbot/internal/spelling"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// decoder overlays a YAML document on a Config by walking the yaml.Node tree
// alongside the struct's yaml tags. Unlike yaml.Unmarshal it keeps going
// after a problem, names each by dotted key and line, and expands ${VAR}
// references in scalars before converting them.
type decoder struct {
	name     string
	lookup   func(string) (string, bool)
	lines    map[string]int // dotted key -> line where the file sets it
	problems []problem
}

func (d *decoder) addf(line int, key, format string, args ...any) {
	d.problems = append(d.problems, problem{name: d.name, line: line, key: key, msg: fmt.Sprintf(format, args...)})
}

// document decodes the one YAML document in data into c. Empty input, or
// input that is only comments, leaves c as it is.
func (d *decoder) document(data []byte, c *Config) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if !errors.Is(err, io.EOF) {
			d.syntax(err, data)
		}
		return
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		d.addf(next.Line, "", "want one YAML document, found a second")
	case !errors.Is(err, io.EOF):
		d.syntax(err, data)
	}
	if len(doc.Content) > 0 {
		d.value("", doc.Content[0], reflect.ValueOf(c).Elem())
	}
}

// syntax records a YAML syntax error in data, moving yaml's "line N" into
// the file:line position and correcting it to count from 1. An error at the
// end of the input is placed on the last line.
func (d *decoder) syntax(err error, data []byte) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, m, ok := strings.Cut(rest, ": "); ok {
			if l, err := strconv.Atoi(n); err == nil {
				line, msg = l, m
			}
		}
	}
	if isParserProblem(msg) {
		line++
	}
	last := bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		last++
	}
	line = min(line, max(last, 1))
	d.addf(line, "", "%s", msg)
}

// isParserProblem reports whether msg is one of the errors of yaml's parser,
// which (unlike its scanner) counts lines from 0 and omits line 0.
func isParserProblem(msg string) bool {
	switch msg {
	case "did not find expected <stream-start>",
		"did not find expected <document start>",
		"found undefined tag handle",
		"did not find expected node content",
		"did not find expected '-' indicator",
		"did not find expected key",
		"did not find expected ',' or ']'",
		"did not find expected ',' or '}'",
		"found duplicate %YAML directive",
		"found incompatible YAML document",
		"found duplicate %TAG directive":
		return true
	}
	return false
}

// value decodes n into v, which is reached by the dotted key. A null value
// leaves v at its default.
func (d *decoder) value(key string, n *yaml.Node, v reflect.Value) {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return
	}
	if v.Type() == reflect.TypeFor[time.Duration]() {
		if s, ok := d.scalar(key, n, "a duration"); ok {
			dur, err := parseDuration(s)
			if err != nil {
				d.addf(n.Line, key, `want a duration such as "50s", "1m30s", "24h" or "180d", got %s`, quote(s))
				return
			}
			v.SetInt(int64(dur))
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.mapping(key, n, v)
	case reflect.Slice:
		d.sequence(key, n, v)
	case reflect.String:
		if s, ok := d.scalar(key, n, "a string"); ok {
			v.SetString(s)
		}
	case reflect.Bool:
		if s, ok := d.scalar(key, n, "true or false"); ok {
			switch s {
			case "true", "True", "TRUE":
				v.SetBool(true)
			case "false", "False", "FALSE":
				v.SetBool(false)
			default:
				d.addf(n.Line, key, "want true or false, got %s", quote(s))
			}
		}
	case reflect.Int, reflect.Int64:
		if s, ok := d.scalar(key, n, "a whole number"); ok {
			i, err := strconv.ParseInt(s, 10, v.Type().Bits())
			switch {
			case errors.Is(err, strconv.ErrRange):
				d.addf(n.Line, key, "number out of range, got %s", quote(s))
			case err != nil:
				d.addf(n.Line, key, "want a whole number, got %s", quote(s))
			default:
				v.SetInt(i)
			}
		}
	case reflect.Float64:
		if s, ok := d.scalar(key, n, "a number"); ok {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				d.addf(n.Line, key, "want a number, got %s", quote(s))
				return
			}
			v.SetFloat(f)
		}
	default:
		// Only reachable by adding a field of a new type to Config.
		panic("config: no decoding for " + v.Type().String())
	}
}

// mapping decodes a YAML mapping into the struct v, matching keys to yaml
// tags.
func (d *decoder) mapping(key string, n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.addf(n.Line, key, "want a mapping, got %s", describe(n))
		return
	}
	seen := make(map[string]int)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.addf(k.Line, key, "want a key name, got %s", describe(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			d.addf(k.Line, key, `merge keys ("<<") are not supported`)
			continue
		}
		full := join(key, k.Value)
		if first, dup := seen[k.Value]; dup {
			d.addf(k.Line, full, "duplicate key (first set on line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		f, ok := fieldIndex(v.Type(), k.Value)
		if !ok {
			d.addf(k.Line, full, "unknown key (%s)", hint(v.Type(), k.Value))
			continue
		}
		d.lines[full] = k.Line
		d.value(full, val, v.Field(f))
	}
}

// sequence decodes a YAML sequence into the slice v, replacing its default.
func (d *decoder) sequence(key string, n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.SequenceNode {
		d.addf(n.Line, key, "want a list, got %s", describe(n))
		return
	}
	if len(n.Content) == 0 {
		// An empty list and no list mean the same; keep them equal.
		v.SetZero()
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, e := range n.Content {
		ek := key + "[" + strconv.Itoa(i) + "]"
		d.lines[ek] = e.Line
		d.value(ek, e, s.Index(i))
	}
	v.Set(s)
}

// scalar returns n's value with environment references expanded, or
// records why there is none.
func (d *decoder) scalar(key string, n *yaml.Node, want string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.addf(n.Line, key, "want %s, got %s", want, describe(n))
		return "", false
	}
	s, err := expand(n.Value, d.lookup, isSecret(key))
	if err != nil {
		d.addf(n.Line, key, "%v", err)
		return "", false
	}
	return s, true
}

// isSecret reports whether the value at key must never be quoted.
func isSecret(key string) bool {
	return key == "telegram.token" || key == "telegram.webhook.secret"
}

// expand replaces ${VAR} and ${VAR:-default} in s with values from lookup;
// "$$" is a literal "$" and any other "$" is left alone. As in the shell,
// the default also replaces a variable that is set but empty. When secret
// is true the messages do not quote s.
func expand(s string, lookup func(string) (string, bool), secret bool) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", errors.New(`unterminated "${" (write "$$" for a literal "$")`)
			}
			ref := s[i+2 : i+2+end]
			name, def, hasDef := strings.Cut(ref, ":-")
			if !isEnvName(name) {
				if secret {
					return "", errors.New("bad environment reference (a name is letters, digits and _)")
				}
				return "", fmt.Errorf("bad environment reference %s (a name is letters, digits and _)", quote("${"+ref+"}"))
			}
			val, ok := lookup(name)
			switch {
			case hasDef && val == "":
				val = def
			case !ok:
				return "", fmt.Errorf("environment variable %s is not set and has no default", name)
			}
			b.WriteString(val)
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String(), nil
}

// isEnvName reports whether s is a shell variable name.
func isEnvName(s string) bool {
	if s == "" || ('0' <= s[0] && s[0] <= '9') {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// describe names what a node is, for "got ..." in messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return quote(n.Value)
	}
}

// join appends a key name to a dotted key, quoting a name that is not a
// plain word so that odd keys stay readable.
func join(key, name string) string {
	if !isWord(name) {
		name = quote(name)
	}
	if key == "" {
		return name
	}
	return key + "." + name
}

// isWord reports whether s is one or more of A-Z a-z 0-9 _ -.
func isWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// fieldIndex finds the field of struct type t whose yaml tag is name.
func fieldIndex(t reflect.Type, name string) (int, bool) {
	for i := range t.NumField() {
		if t.Field(i).Tag.Get("yaml") == name {
			return i, true
		}
	}
	return 0, false
}

// hint suggests what an unknown key in a mapping of struct type t may have
// meant: a close sibling, a dotted key written on one line, the same name
// elsewhere in the file's structure, or else the list of keys allowed here.
func hint(t reflect.Type, name string) string {
	var names []string
	for i := range t.NumField() {
		names = append(names, t.Field(i).Tag.Get("yaml"))
	}
	if i := strings.LastIndexByte(name, '.'); i > 0 && slices.Contains(dottedKeys(t, ""), name) {
		return fmt.Sprintf("write %q nested under %q", name[i+1:], name[:i])
	}
	if near := spelling.Closest(name, names); near != "" {
		return fmt.Sprintf("did you mean %q?", near)
	}
	var elsewhere []string
	for _, k := range dottedKeys(reflect.TypeFor[Config](), "") {
		leaf := k[strings.LastIndexByte(k, '.')+1:]
		if spelling.Fold(leaf) == spelling.Fold(name) {
			elsewhere = append(elsewhere, strconv.Quote(k))
		}
	}
	if len(elsewhere) > 0 {
		return "did you mean " + strings.Join(elsewhere, " or ") + "?"
	}
	return "want one of " + strings.Join(names, ", ")
}

// dottedKeys lists every key of struct type t, nested ones as "a.b".
func dottedKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		k := prefix + f.Tag.Get("yaml")
		keys = append(keys, k)
		if f.Type.Kind() == reflect.Struct {
			keys = append(keys, dottedKeys(f.Type, k+".")...)
		}
	}
	return keys
}

// day is the "d" of a duration: 24 hours, whatever the clocks do.
const day = 24 * time.Hour

// parseDuration reads a Go duration ("90m", "1h30m") that may start with
// a whole number of days ("180d", "1d12h"), as months-long reminder
// periods are written.
func parseDuration(s string) (time.Duration, error) {
	days, rest, found := strings.Cut(s, "d")
	if !found {
		return time.ParseDuration(s)
	}
	n, err := strconv.ParseUint(days, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("duration %q: %q is not a whole number of days", s, days)
	}
	total := time.Duration(n) * day
	if rest != "" {
		extra, err := time.ParseDuration(rest)
		if err != nil || extra < 0 {
			return 0, fmt.Errorf("duration %q: %q after the days is not a duration", s, rest)
		}
		total += extra
	}
	if total/day != time.Duration(n) {
		return 0, fmt.Errorf("duration %q is too long", s)
	}
	return total, nil
}
