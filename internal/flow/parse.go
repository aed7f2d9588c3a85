package flow

import (
	"fmt"
	"github.com/assetbot/assetbot/internal/spelling"
	"math"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong with a flow file, located by file and line.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Msg)
}

// Problems is a list of problems; as an error it prints one per line.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// maxFlowBytes bounds a flow file; a real flow is a few kilobytes.
const maxFlowBytes = 1 << 20

var (
	idPattern        = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
	lineInYAMLError  = regexp.MustCompile(`line (\d+)`)
	yamlErrorPrefix  = regexp.MustCompile(`^yaml: (line \d+: )?`)
	languagePattern  = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$`)
	purposePattern   = idPattern
	optionIDPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
	placeholderRegex = regexp.MustCompile(`\{([a-z][a-z0-9_]*)\}`)
)

// parser collects problems while turning a YAML document into a Flow.
type parser struct {
	file     string
	problems Problems
	// langLines holds the line where each language is first used.
	langLines map[string]int
}

// syntax reports a YAML syntax error at its line.
func (p *parser) syntax(err error) {
	line := 0
	if m := lineInYAMLError.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	p.add(line, "YAML syntax: %s", yamlErrorPrefix.ReplaceAllString(err.Error(), ""))
}

func (p *parser) add(line int, format string, args ...any) {
	p.problems = append(p.problems, Problem{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// Parse reads one flow from YAML. It returns the flow and every problem it
// found, both of the YAML and of the flow's logic (see Check); a flow with
// problems must not be run.
func Parse(file string, data []byte) (*Flow, Problems) {
	p := &parser{file: file}
	if len(data) > maxFlowBytes {
		p.add(0, "file is %d bytes; a flow file may be at most %d", len(data), maxFlowBytes)
		return nil, p.problems
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		p.syntax(err)
		return nil, p.problems
	}
	if len(doc.Content) == 0 {
		p.add(0, "file is empty: a flow needs id, title, version and steps")
		return nil, p.problems
	}
	f := p.flow(deref(doc.Content[0]))
	if f == nil {
		return nil, p.problems
	}
	f.File = file
	f.langLines = p.langLines
	f.languages = languagesOf(f)
	if len(p.problems) == 0 {
		p.problems = append(p.problems, Check(f)...)
	}
	if len(p.problems) > 0 {
		return f, p.problems
	}
	return f, nil
}

// fields walks a mapping node, calling visit for each key in turn, and
// reports keys that are not in known.
func (p *parser) fields(n *yaml.Node, what string, known []string, visit func(key string, v *yaml.Node)) bool {
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, "%s: want a mapping of keys, got %s", what, describe(n))
		return false
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		if seen[key] {
			p.add(k.Line, "%s: key %q appears twice", what, key)
			continue
		}
		seen[key] = true
		if !contains(known, key) {
			p.add(k.Line, "%s: unknown key %q%s", what, key, suggest(key, known))
			continue
		}
		visit(key, deref(v))
	}
	return true
}

// deref follows a YAML alias (`*skills`) to the node it names.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 8; i++ {
		n = n.Alias
	}
	return n
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// suggest offers the known key nearest to a misspelt one.
func suggest(key string, known []string) string {
	if best := spelling.Closest(key, known); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

func (p *parser) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.add(n.Line, "%s: want a string, got %s", what, describe(n))
		return "", false
	}
	return n.Value, true
}

func (p *parser) integer(n *yaml.Node, what string) (int, bool) {
	if n.Kind == yaml.ScalarNode {
		if v, err := strconv.Atoi(n.Value); err == nil {
			return v, true
		}
	}
	p.add(n.Line, "%s: want a whole number, got %s", what, describe(n))
	return 0, false
}

func (p *parser) number(n *yaml.Node, what string) (*float64, bool) {
	if n.Kind == yaml.ScalarNode {
		if v, err := strconv.ParseFloat(n.Value, 64); err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
			return &v, true
		}
	}
	p.add(n.Line, "%s: want a number, got %s", what, describe(n))
	return nil, false
}

func (p *parser) boolean(n *yaml.Node, what string) (bool, bool) {
	if n.Kind == yaml.ScalarNode {
		switch n.Value {
		case "true", "yes", "on":
			return true, true
		case "false", "no", "off":
			return false, true
		}
	}
	p.add(n.Line, "%s: want true or false, got %s", what, describe(n))
	return false, false
}

// text reads a translatable string: a plain string (English) or a mapping
// of language code to string, which must include "en".
func (p *parser) text(n *yaml.Node, what string) Text {
	return p.translations(n, what, true)
}

// translations reads a plain string (English) or a mapping of language
// code to string, which must include "en" if needEnglish.
func (p *parser) translations(n *yaml.Node, what string, needEnglish bool) Text {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		if strings.TrimSpace(n.Value) == "" {
			p.add(n.Line, "%s: text is empty", what)
		}
		return Text{"en": n.Value}
	}
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, "%s: want a text or a mapping of language to text, got %s", what, describe(n))
		return nil
	}
	t := Text{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !languagePattern.MatchString(k.Value) {
			p.add(k.Line, "%s: %q is not a language code (like en, cy or pt-BR)", what, k.Value)
			continue
		}
		if s, ok := p.str(v, what+"."+k.Value); ok {
			t[k.Value] = s
			if _, seen := p.langLines[k.Value]; !seen {
				if p.langLines == nil {
					p.langLines = map[string]int{}
				}
				p.langLines[k.Value] = k.Line
			}
		}
	}
	if _, ok := t["en"]; !ok && needEnglish {
		p.add(n.Line, "%s: missing the English (en) text, which every text needs as the fallback", what)
	}
	return t
}

var flowKeys = []string{"id", "title", "version", "declined", "messages", "asset", "links", "steps"}

func (p *parser) flow(n *yaml.Node) *Flow {
	f := &Flow{index: map[string]int{}}
	var stepsNode *yaml.Node
	present := map[string]bool{}
	ok := p.fields(n, "flow", flowKeys, func(key string, v *yaml.Node) {
		present[key] = true
		switch key {
		case "id":
			if s, ok := p.str(v, "id"); ok {
				if !idPattern.MatchString(s) {
					p.add(v.Line, "id: %q must be lower-case letters, digits and _, starting with a letter, at most 32 long", s)
				}
				f.ID = s
			}
		case "title":
			f.Title, f.titleLine = p.text(v, "title"), v.Line
		case "version":
			if i, ok := p.integer(v, "version"); ok {
				if i < 1 {
					p.add(v.Line, "version: must be 1 or more, got %d", i)
				}
				f.Version = i
			}
		case "declined":
			f.Declined, f.declinedLine = p.text(v, "declined"), v.Line
		case "messages":
			base, _ := builtin()
			f.Messages = p.messages(v, "messages", base)
		case "asset":
			f.Asset = p.assetSpec(v)
		case "links":
			f.Links = p.links(v)
		case "steps":
			stepsNode = v
		}
	})
	if !ok {
		return nil
	}
	for _, key := range []string{"id", "title", "version", "steps"} {
		if !present[key] {
			p.add(n.Line, "flow: missing required key %q", key)
		}
	}
	if stepsNode == nil {
		return f
	}
	if stepsNode.Kind != yaml.SequenceNode || len(stepsNode.Content) == 0 {
		got := describe(stepsNode)
		if stepsNode.Kind == yaml.SequenceNode {
			got = "an empty list"
		}
		p.add(stepsNode.Line, "steps: want a list of at least one step, got %s", got)
		return f
	}
	keys := map[string]int{}
	for _, sn := range stepsNode.Content {
		s := p.step(deref(sn))
		if s == nil {
			continue
		}
		if s.ID != "" {
			if prev, dup := f.index[s.ID]; dup {
				p.add(s.Line, "step %q: duplicate id (first used on line %d)", s.ID, f.Steps[prev].Line)
				continue
			}
			f.index[s.ID] = len(f.Steps)
		}
		if s.Type != TypeInfo && s.Key != "" {
			if line, dup := keys[s.Key]; dup {
				p.add(s.Line, "step %q: answer key %q is already used by the step on line %d", s.ID, s.Key, line)
			}
			keys[s.Key] = s.Line
		}
		f.Steps = append(f.Steps, s)
		if s.When != nil && s.Type != TypeInfo && s.Consent == "" {
			f.conditional = append(f.conditional, s)
		}
	}
	return f
}

var stepKeys = []string{
	"id", "key", "type", "label", "text", "hint", "optional", "options", "other", "other_prompt",
	"min_length", "max_length", "min", "max", "integer", "min_choices", "max_choices",
	"validate", "retry", "when", "next", "consent", "required", "age_check", "lookup", "link", "personal",
}

func (p *parser) step(n *yaml.Node) *Step {
	s := &Step{Line: n.Line}
	what := "step"
	if n.Kind == yaml.MappingNode {
		// Name the step in messages as early as possible.
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "id" && n.Content[i+1].Kind == yaml.ScalarNode {
				what = fmt.Sprintf("step %q", n.Content[i+1].Value)
			}
		}
	}
	var typeLine int
	required := true
	ok := p.fields(n, what, stepKeys, func(key string, v *yaml.Node) {
		field := what + ": " + key
		switch key {
		case "id":
			if id, ok := p.str(v, field); ok {
				if !idPattern.MatchString(id) {
					p.add(v.Line, "%s: %q must be lower-case letters, digits and _, starting with a letter, at most 32 long", field, id)
				}
				s.ID = id
			}
		case "key":
			if k, ok := p.str(v, field); ok {
				if !idPattern.MatchString(k) {
					p.add(v.Line, "%s: %q must be lower-case letters, digits and _, starting with a letter, at most 32 long", field, k)
				}
				s.Key = k
			}
		case "type":
			typeLine = v.Line
			if t, ok := p.str(v, field); ok {
				s.Type = StepType(t)
			}
		case "label":
			s.Label = p.text(v, field)
		case "text":
			s.Text = p.text(v, field)
		case "hint":
			s.Hint = p.text(v, field)
		case "optional":
			s.Optional, _ = p.boolean(v, field)
		case "options":
			s.Options = p.options(v, field)
		case "other":
			s.Other, _ = p.boolean(v, field)
		case "other_prompt":
			s.OtherPrompt = p.text(v, field)
		case "min_length":
			s.MinLength, _ = p.integer(v, field)
		case "max_length":
			s.MaxLength, _ = p.integer(v, field)
		case "min":
			s.Min, _ = p.number(v, field)
		case "max":
			s.Max, _ = p.number(v, field)
		case "integer":
			s.Integer, _ = p.boolean(v, field)
		case "min_choices":
			s.MinChoices, _ = p.integer(v, field)
		case "max_choices":
			s.MaxChoices, _ = p.integer(v, field)
		case "validate":
			s.Validate = p.validation(v, field)
		case "retry":
			s.Retry = p.text(v, field)
		case "when":
			s.When = p.condition(v, field)
		case "next":
			s.Next = p.next(v, field)
		case "lookup":
			s.Lookup, _ = p.str(v, field)
		case "link":
			r := p.link(v, field, EndPerson, EndFound, false)
			s.Link = &r
		case "personal":
			s.Personal, _ = p.boolean(v, field)
		case "consent":
			if c, ok := p.str(v, field); ok {
				if !purposePattern.MatchString(c) {
					p.add(v.Line, "%s: %q must be a purpose name of lower-case letters, digits and _", field, c)
				}
				s.Consent = c
			}
		case "required":
			required, _ = p.boolean(v, field)
			s.requiredSet = true
		case "age_check":
			s.AgeCheck, _ = p.boolean(v, field)
		}
	})
	if !ok {
		return nil
	}
	if s.ID == "" {
		p.add(n.Line, "%s: missing required key \"id\"", what)
	}
	if s.Key == "" {
		s.Key = s.ID
	}
	// A consent is required unless the flow says otherwise, as the only
	// consent was before purposes could be optional.
	s.Required = s.Consent != "" && required
	switch {
	case s.Type == "":
		p.add(n.Line, "%s: missing required key \"type\"", what)
	case !contains(typeNames(), string(s.Type)):
		p.add(typeLine, "%s: unknown step type %q (want one of %s)", what, s.Type, strings.Join(typeNames(), ", "))
	}
	if s.Text == nil {
		p.add(n.Line, "%s: missing required key \"text\"", what)
	}
	return s
}

func typeNames() []string {
	names := make([]string, len(stepTypes))
	for i, t := range stepTypes {
		names[i] = string(t)
	}
	return names
}

// options reads a list of options, each either `{id: x, label: ...}` or
// the short form `x: Label`.
func (p *parser) options(n *yaml.Node, what string) []Option {
	if n.Kind != yaml.SequenceNode {
		p.add(n.Line, "%s: want a list of options, got %s", what, describe(n))
		return nil
	}
	var opts []Option
	for _, on := range n.Content {
		on = deref(on)
		o := Option{Line: on.Line}
		switch {
		case on.Kind == yaml.MappingNode && len(on.Content) == 2 && on.Content[0].Value != "id":
			o.ID = on.Content[0].Value
			o.Label = p.text(on.Content[1], what+" "+o.ID)
		case on.Kind == yaml.MappingNode:
			p.fields(on, what, []string{"id", "label"}, func(key string, v *yaml.Node) {
				if key == "id" {
					o.ID, _ = p.str(v, what+": id")
				} else {
					o.Label = p.text(v, what+": label")
				}
			})
		default:
			p.add(on.Line, "%s: want an option like `cooking: Cooking` or `{id: cooking, label: Cooking}`, got %s", what, describe(on))
			continue
		}
		if !optionIDPattern.MatchString(o.ID) {
			p.add(on.Line, "%s: option id %q must be lower-case letters, digits, _ or -, at most 32 long", what, o.ID)
		}
		if o.Label == nil {
			p.add(on.Line, "%s: option %q has no label", what, o.ID)
		}
		opts = append(opts, o)
	}
	return opts
}

func (p *parser) validation(n *yaml.Node, what string) *Validation {
	v := &Validation{}
	p.fields(n, what, []string{"regex", "message"}, func(key string, val *yaml.Node) {
		if key == "regex" {
			v.Regex, _ = p.str(val, what+".regex")
			re, err := regexp.Compile(v.Regex)
			if err != nil {
				p.add(val.Line, "%s.regex: %v", what, err)
				return
			}
			v.re = re
		} else {
			v.Message = p.text(val, what+".message")
		}
	})
	if v.Regex == "" {
		p.add(n.Line, "%s: missing \"regex\"", what)
	}
	if v.Message == nil {
		p.add(n.Line, "%s: missing \"message\", the friendly retry text", what)
	}
	return v
}

var conditionKeys = []string{"key", "equals", "in", "not_equals", "answered"}

func (p *parser) condition(n *yaml.Node, what string) *Condition {
	c := &Condition{Line: n.Line}
	tests := 0
	p.fields(n, what, conditionKeys, func(key string, v *yaml.Node) {
		switch key {
		case "key":
			c.Key, _ = p.str(v, what+".key")
		case "equals":
			tests++
			c.Equals, _ = p.str(v, what+".equals")
		case "not_equals":
			tests++
			c.NotEquals, _ = p.str(v, what+".not_equals")
		case "in":
			tests++
			if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
				p.add(v.Line, "%s.in: want a list of values, got %s", what, describe(v))
				return
			}
			for _, e := range v.Content {
				if s, ok := p.str(e, what+".in"); ok {
					c.In = append(c.In, s)
				}
			}
		case "answered":
			tests++
			b, ok := p.boolean(v, what+".answered")
			if ok {
				c.Answered = &b
			}
		}
	})
	if c.Key == "" {
		p.add(n.Line, "%s: missing \"key\", the answer it tests", what)
	}
	if tests != 1 {
		p.add(n.Line, "%s: want exactly one of equals, in, not_equals or answered", what)
	}
	return c
}

// next reads either a step id (or "end") or a list of routes.
func (p *parser) next(n *yaml.Node, what string) []Route {
	if n.Kind == yaml.ScalarNode {
		target, _ := p.str(n, what)
		return []Route{{Goto: target, Line: n.Line}}
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.add(n.Line, "%s: want a step id or a list of {when, goto}, got %s", what, describe(n))
		return nil
	}
	var routes []Route
	for _, rn := range n.Content {
		r := Route{Line: rn.Line}
		p.fields(rn, what, []string{"when", "goto"}, func(key string, v *yaml.Node) {
			if key == "when" {
				r.When = p.condition(v, what+".when")
			} else {
				r.Goto, _ = p.str(v, what+".goto")
			}
		})
		if r.Goto == "" {
			p.add(rn.Line, "%s: a route needs \"goto\"", what)
		}
		routes = append(routes, r)
	}
	return routes
}

// assetSpec reads a flow's `asset: {name: KEY, area: KEY, personal: WHEN}`.
func (p *parser) assetSpec(n *yaml.Node) *AssetSpec {
	a := &AssetSpec{Line: n.Line}
	p.fields(n, "asset", []string{"name", "area", "order", "personal"}, func(key string, v *yaml.Node) {
		switch key {
		case "personal":
			a.Personal = p.condition(v, "asset.personal")
		case "name":
			a.Name, _ = p.str(v, "asset.name")
		case "area":
			a.Area, _ = p.str(v, "asset.area")
		case "order":
			a.Order, _ = p.integer(v, "asset.order")
		}
	})
	if a.Name == "" {
		p.add(n.Line, "asset: missing \"name\", the answer key that holds the asset's name")
	}
	return a
}

// links reads a flow's list of link rules.
func (p *parser) links(n *yaml.Node) []LinkRule {
	if n.Kind != yaml.SequenceNode {
		p.add(n.Line, "links: want a list of links like `{type: member_of, when: {key: role, equals: member}}`, got %s", describe(n))
		return nil
	}
	rules := make([]LinkRule, 0, len(n.Content))
	for _, ln := range n.Content {
		rules = append(rules, p.link(deref(ln), "links", EndPerson, EndThis, true))
	}
	return rules
}

// link reads one link rule: a link type alone, or a mapping of type,
// from, to and (for a flow's own links) when. from and to default to the
// ends given.
func (p *parser) link(n *yaml.Node, what, from, to string, conditional bool) LinkRule {
	r := LinkRule{From: from, To: to, Line: n.Line}
	if n.Kind == yaml.ScalarNode {
		r.Type, _ = p.str(n, what)
		return r
	}
	keys := []string{"type", "from", "to"}
	if conditional {
		keys = append(keys, "when")
	}
	p.fields(n, what, keys, func(key string, v *yaml.Node) {
		switch key {
		case "type":
			r.Type, _ = p.str(v, what+".type")
		case "from":
			r.From, _ = p.str(v, what+".from")
		case "to":
			r.To, _ = p.str(v, what+".to")
		case "when":
			r.When = p.condition(v, what+".when")
		}
	})
	if r.Type == "" {
		p.add(n.Line, "%s: a link needs \"type\" (one of %s)", what, strings.Join(LinkTypes, ", "))
	}
	return r
}
