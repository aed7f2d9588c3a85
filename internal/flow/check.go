package flow

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
)

// maxOptions keeps a question's buttons within what a phone shows well and
// what Telegram accepts in one keyboard.
const maxOptions = 24

// Check finds the logical problems of a parsed flow: per-step rules,
// references to unknown steps or answers, steps that can never be reached
// and loops with no way out. Parse calls it. It needs the step index that
// Parse builds, so it checks only flows that Parse returned.
func Check(f *Flow) Problems {
	c := &parser{file: f.File}
	keys := map[string]*Step{}
	for _, s := range f.Steps {
		if s.Type != TypeInfo {
			keys[s.Key] = s
		}
	}
	for i, s := range f.Steps {
		c.checkStep(f, i, s, keys)
	}
	c.checkAsset(f, keys)
	c.checkGraph(f)
	return c.problems
}

// checkAsset checks what makes an asset flow: the answers that name and
// place the asset, and the links its answers make.
func (c *parser) checkAsset(f *Flow, keys map[string]*Step) {
	if a := f.Asset; a != nil {
		if s, ok := keys[a.Name]; a.Name != "" && (!ok || s.Type != TypeText) {
			c.add(a.Line, "asset.name: %q is not the key of a text step", a.Name)
		}
		if s, ok := keys[a.Area]; a.Area != "" && (!ok || s.Type != TypeText && s.Type != TypeLocation) {
			c.add(a.Line, "asset.area: %q is not the key of a text or location step", a.Area)
		}
	}
	for _, r := range f.Links {
		c.checkLink(f, "links", r, []string{EndPerson, EndThis})
		if r.When != nil {
			c.checkCondition("links: when", r.When, nil, keys)
		}
	}
	c.checkPersonal(f, keys)
}

// checkPersonal checks the marks that tell, when a person is erased, what
// of the assets they gave is about them: asset.personal must test a field
// the asset keeps, and a personal step must be one whose answer is kept
// as a field that can be cleared, leaving the asset named and placed.
func (c *parser) checkPersonal(f *Flow, keys map[string]*Step) {
	linkKeys := f.LinkKeys()
	if a := f.Asset; a != nil && a.Personal != nil {
		c.checkCondition("asset.personal", a.Personal, nil, keys)
		if slices.Contains(linkKeys, a.Personal.Key) {
			c.add(a.Personal.Line, "asset.personal: %q is how the person knows the asset, kept as their link, not a field of the asset", a.Personal.Key)
		}
	}
	for _, s := range f.Steps {
		if !s.Personal {
			continue
		}
		what := fmt.Sprintf("step %q: personal", s.ID)
		switch {
		case f.Asset == nil:
			c.add(s.Line, "%s: only for asset flows (every answer of a person's own flow is theirs and goes with them)", what)
		case s.Type == TypeInfo || s.Type == TypeLookup:
			c.add(s.Line, "%s: only for questions whose answer is a field of the asset, not %s steps", what, s.Type)
		case s.Key == f.Asset.Name || s.Key == f.Asset.Area:
			c.add(s.Line, "%s: the asset's name and area stay when its fields are cleared; use asset.personal for assets that are about the person", what)
		case slices.Contains(linkKeys, s.Key):
			c.add(s.Line, "%s: %q is kept as the person's link, which goes with them anyway", what, s.Key)
		}
	}
}

// checkLink checks a link rule's type and ends; ends lists those it may name.
func (c *parser) checkLink(f *Flow, what string, r LinkRule, ends []string) {
	if r.Type != "" && !contains(LinkTypes, r.Type) {
		c.add(r.Line, "%s: unknown link type %q (want one of %s)%s", what, r.Type, strings.Join(LinkTypes, ", "), suggest(r.Type, LinkTypes))
	}
	for _, end := range []string{r.From, r.To} {
		if !contains(ends, end) {
			c.add(r.Line, "%s: a link end must be one of %s, not %q", what, strings.Join(ends, ", "), end)
		}
	}
	if r.From == r.To {
		c.add(r.Line, "%s: a link joins two different ends, not %q to itself", what, r.From)
	}
	if (r.From == EndThis || r.To == EndThis) && f.Asset == nil {
		c.add(r.Line, "%s: %q is the asset an asset flow records, and this flow has no `asset:`", what, EndThis)
	}
}

func (c *parser) checkStep(f *Flow, i int, s *Step, keys map[string]*Step) {
	what := fmt.Sprintf("step %q", s.ID)
	hasOptions := s.Type == TypeChoice || s.Type == TypeMulti
	switch {
	case hasOptions && len(s.Options) == 0:
		c.add(s.Line, "%s: a %s step needs options", what, s.Type)
	case !hasOptions && len(s.Options) > 0:
		c.add(s.Line, "%s: options are only for choice and multi steps", what)
	case len(s.Options) > maxOptions:
		c.add(s.Line, "%s: %d options is too many for one question (at most %d)", what, len(s.Options), maxOptions)
	}
	seen := map[string]bool{}
	for _, o := range s.Options {
		if seen[o.ID] {
			c.add(o.Line, "%s: option %q appears twice", what, o.ID)
		}
		seen[o.ID] = true
		if s.Other && o.ID == OtherOption {
			c.add(o.Line, "%s: option id %q is reserved for the free answer that `other: true` adds", what, OtherOption)
		}
	}
	if s.Other && s.Type != TypeMulti {
		c.add(s.Line, "%s: other is only for multi steps", what)
	}
	if (s.MinLength != 0 || s.MaxLength != 0 || s.Validate != nil) && s.Type != TypeText && s.Type != TypeLookup {
		c.add(s.Line, "%s: min_length, max_length and validate are only for text and lookup steps", what)
	}
	switch {
	case s.Type == TypeLookup && s.Lookup == "":
		c.add(s.Line, "%s: a lookup step needs `lookup:`, the id of the asset flow whose assets it finds", what)
	case s.Type != TypeLookup && (s.Lookup != "" || s.Link != nil):
		c.add(s.Line, "%s: lookup and link are only for lookup steps", what)
	case s.Link != nil:
		c.checkLink(f, what+": link", *s.Link, []string{EndPerson, EndThis, EndFound})
		if s.Link.From != EndFound && s.Link.To != EndFound {
			c.add(s.Link.Line, "%s: link: one end of a lookup's link is %q, the asset it finds", what, EndFound)
		}
	}
	if s.MinLength < 0 || s.MaxLength < 0 || (s.MaxLength > 0 && s.MinLength > s.MaxLength) {
		c.add(s.Line, "%s: want 0 <= min_length <= max_length", what)
	}
	if (s.Min != nil || s.Max != nil || s.Integer) && s.Type != TypeNumber {
		c.add(s.Line, "%s: min, max and integer are only for number steps", what)
	}
	if s.Min != nil && s.Max != nil && *s.Min > *s.Max {
		c.add(s.Line, "%s: min %v is above max %v", what, *s.Min, *s.Max)
	}
	if (s.MinChoices != 0 || s.MaxChoices != 0) && s.Type != TypeMulti {
		c.add(s.Line, "%s: min_choices and max_choices are only for multi steps", what)
	}
	if s.MinChoices < 0 || s.MaxChoices < 0 || (s.MaxChoices > 0 && s.MinChoices > s.MaxChoices) {
		c.add(s.Line, "%s: want 0 <= min_choices <= max_choices", what)
	}
	offered := len(s.Options)
	if s.Other {
		offered++
	}
	if s.Type == TypeMulti && offered > 0 && s.MinChoices > offered {
		c.add(s.Line, "%s: min_choices %d is more than the %d options offered, so no answer would do", what, s.MinChoices, offered)
	}
	if s.Consent != "" && s.Type != TypeYesNo {
		c.add(s.Line, "%s: consent is only for yesno steps", what)
	}
	c.checkConsent(f, what, s)
	if s.Type == TypeInfo && (s.Optional || s.Key != s.ID) {
		c.add(s.Line, "%s: an info step takes no answer, so optional and key do not apply", what)
	}
	if s.When != nil {
		c.checkCondition(what+": when", s.When, s, keys)
	}
	for _, r := range s.Next {
		if r.When != nil {
			c.checkCondition(what+": next", r.When, nil, keys)
		}
		if r.Goto != End && f.Step(r.Goto) == nil && r.Goto != "" {
			c.add(r.Line, "%s: next goes to unknown step %q", what, r.Goto)
		}
	}
	c.checkPlaceholders(what, s, keys)
}

// checkConsent checks a consent step: a known purpose, asked once, never
// skipped, and the words a required one needs.
func (c *parser) checkConsent(f *Flow, what string, s *Step) {
	if s.Consent == "" {
		if s.requiredSet || s.AgeCheck {
			c.add(s.Line, "%s: required and age_check are only for consent steps", what)
		}
		return
	}
	if !contains(Purposes, s.Consent) {
		c.add(s.Line, "%s: unknown consent purpose %q (want one of %s)%s", what, s.Consent, strings.Join(Purposes, ", "), suggest(s.Consent, Purposes))
	}
	if first := f.ConsentStep(s.Consent); first != s {
		c.add(s.Line, "%s: consent to %q is already asked by step %q (line %d)", what, s.Consent, first.ID, first.Line)
	}
	if s.Optional {
		c.add(s.Line, "%s: a consent step cannot be optional (skipped, it would decide nothing); set `required: false` so that a \"no\" goes on", what)
	}
	if s.When != nil {
		c.add(s.Line, "%s: a consent step is asked of everyone, so `when` does not apply", what)
	}
	switch {
	case s.Required && f.Declined == nil:
		c.add(s.Line, "%s: a required consent step needs the flow's `declined` text, said when someone says no", what)
	case s.AgeCheck && !s.Required:
		c.add(s.Line, "%s: age_check is only for a required consent step, whose refusal keeps nothing", what)
	}
	if s.Required && f.ConsentStep("") != s {
		c.add(s.Line, "%s: only one consent step may be required", what)
	}
}

func (c *parser) checkCondition(what string, cond *Condition, self *Step, keys map[string]*Step) {
	target, ok := keys[cond.Key]
	if cond.Key == "" {
		return
	}
	if !ok {
		c.add(cond.Line, "%s: no step answers %q", what, cond.Key)
		return
	}
	if target == self {
		c.add(cond.Line, "%s: a step cannot depend on its own answer", what)
		return
	}
	values := append([]string{cond.Equals, cond.NotEquals}, cond.In...)
	for _, v := range values {
		if v == "" {
			continue
		}
		switch target.Type {
		case TypeChoice, TypeMulti:
			if target.option(v) == nil && !(target.Other && v == OtherOption) {
				c.add(cond.Line, "%s: %q is not an option of step %q", what, v, target.ID)
			}
		case TypeYesNo:
			if v != Yes && v != No {
				c.add(cond.Line, "%s: step %q is yes/no, so compare with \"yes\" or \"no\", not %q", what, target.ID, v)
			}
		}
	}
}

// checkPlaceholders reports {name} references in a step's texts that name
// neither the person's first name nor an answer key.
func (c *parser) checkPlaceholders(what string, s *Step, keys map[string]*Step) {
	texts := []Text{s.Text, s.Hint, s.OtherPrompt, s.Retry}
	if s.Validate != nil {
		texts = append(texts, s.Validate.Message)
	}
	extra := ""
	if s.Consent != "" {
		extra = ", {" + minAgePlaceholder + "}"
	}
	for _, t := range texts {
		for _, str := range t {
			for _, m := range placeholderRegex.FindAllStringSubmatch(str, -1) {
				name := m[1]
				if name == "first_name" || name == minAgePlaceholder && s.Consent != "" {
					continue
				}
				if _, ok := keys[name]; !ok {
					c.add(s.Line, "%s: text refers to {%s}, which is neither {first_name}%s nor an answer key", what, name, extra)
				} else if keys[name] == s {
					c.add(s.Line, "%s: text refers to its own answer {%s}", what, name)
				}
			}
		}
	}
}

// successors returns the steps (by index; len(f.Steps) stands for the end)
// that can follow step i.
func successors(f *Flow, i int) []int {
	fallthroughTo := i + 1
	var out []int
	unconditional := false
	for _, r := range f.Steps[i].Next {
		if j, ok := f.index[r.Goto]; ok && r.Goto != End {
			out = append(out, j)
		} else {
			// The end, or an unknown step already reported: either way
			// no reason to call the step a dead end too.
			out = append(out, len(f.Steps))
		}
		if r.When == nil {
			unconditional = true
			break
		}
	}
	if !unconditional {
		out = append(out, fallthroughTo)
	}
	return out
}

// checkGraph reports unreachable steps and loops that can never reach the end.
func (c *parser) checkGraph(f *Flow) {
	n := len(f.Steps)
	if n == 0 {
		return
	}
	reach := make([]bool, n+1)
	stack := []int{0}
	reach[0] = true
	prev := make([][]int, n+1)
	for i := range f.Steps {
		for _, j := range successors(f, i) {
			prev[j] = append(prev[j], i)
		}
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if i == n {
			continue
		}
		for _, j := range successors(f, i) {
			if !reach[j] {
				reach[j] = true
				stack = append(stack, j)
			}
		}
	}
	ends := make([]bool, n+1)
	ends[n] = true
	stack = []int{n}
	for len(stack) > 0 {
		j := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, i := range prev[j] {
			if !ends[i] {
				ends[i] = true
				stack = append(stack, i)
			}
		}
	}
	for i, s := range f.Steps {
		switch {
		case !reach[i]:
			c.add(s.Line, "step %q can never be reached", s.ID)
		case !ends[i]:
			c.add(s.Line, "step %q is in a loop that can never reach the end of the flow", s.ID)
		}
	}
}

// LoadFS parses every *.yaml and *.yml file at the top of fsys and returns
// the flows by id. A messages.yaml there is not a flow but overrides of the
// built-in message catalogue, for every flow of the folder. Every problem
// in every file is returned, sorted by file and line, together with
// duplicate flow ids across files and translations missing from a
// language a flow offers.
func LoadFS(fsys fs.FS, dir string) (map[string]*Flow, Problems) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, Problems{{File: dir, Msg: fmt.Sprintf("cannot read the flows folder: %v", err)}}
	}
	_, problems := builtin()
	problems = slices.Clone(problems)
	catalogue := Messages{}
	if data, err := fs.ReadFile(fsys, path.Join(dir, CatalogueFile)); err == nil {
		var ps Problems
		catalogue, ps = ParseCatalogue(path.Join(dir, CatalogueFile), data, false)
		problems = append(problems, ps...)
	} else if !errors.Is(err, fs.ErrNotExist) {
		problems = append(problems, Problem{File: path.Join(dir, CatalogueFile), Msg: fmt.Sprintf("cannot read: %v", err)})
	}
	flows := map[string]*Flow{}
	found := 0
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || name == CatalogueFile || !(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			continue
		}
		found++
		file := path.Join(dir, name)
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			problems = append(problems, Problem{File: file, Msg: fmt.Sprintf("cannot read: %v", err)})
			continue
		}
		f, ps := Parse(file, data)
		problems = append(problems, ps...)
		if f == nil || f.ID == "" {
			continue
		}
		f.catalogue = catalogue
		if ps == nil {
			problems = append(problems, checkTranslations(f)...)
		}
		if other, dup := flows[f.ID]; dup {
			problems = append(problems, Problem{File: file, Line: 1, Msg: fmt.Sprintf("flow id %q is already used by %s", f.ID, other.File)})
			continue
		}
		flows[f.ID] = f
	}
	if found == 0 {
		problems = append(problems, Problem{File: dir, Msg: "no flow files (*.yaml) found"})
	}
	problems = append(problems, checkLookups(flows)...)
	sort.SliceStable(problems, func(i, j int) bool {
		if problems[i].File != problems[j].File {
			return problems[i].File < problems[j].File
		}
		return problems[i].Line < problems[j].Line
	})
	if len(problems) > 0 {
		return flows, problems
	}
	return flows, nil
}

// flowText is one translatable text of a flow, named for problems.
type flowText struct {
	what, field string
	line        int
	text        Text
}

// flowTexts lists every text of f that a person may see.
func flowTexts(f *Flow) []flowText {
	texts := []flowText{{"flow", "title", f.titleLine, f.Title}}
	if f.Declined != nil {
		texts = append(texts, flowText{"flow", "declined", f.declinedLine, f.Declined})
	}
	for _, s := range f.Steps {
		what := fmt.Sprintf("step %q", s.ID)
		for _, t := range []flowText{
			{what, "text", s.Line, s.Text}, {what, "hint", s.Line, s.Hint}, {what, "label", s.Line, s.Label},
			{what, "other_prompt", s.Line, s.OtherPrompt}, {what, "retry", s.Line, s.Retry},
		} {
			if t.text != nil {
				texts = append(texts, t)
			}
		}
		if s.Validate != nil && s.Validate.Message != nil {
			texts = append(texts, flowText{what, "validate.message", s.Line, s.Validate.Message})
		}
		for _, o := range s.Options {
			texts = append(texts, flowText{what, fmt.Sprintf("option %q", o.ID), o.Line, o.Label})
		}
	}
	return texts
}

// checkTranslations reports, for every language f offers, each text of
// the flow and each message of its catalogues that has no text in that
// language, so a person choosing it never meets English.
func checkTranslations(f *Flow) Problems {
	c := &parser{file: f.File}
	all, _ := builtin()
	for _, lang := range f.Languages()[1:] {
		for _, t := range flowTexts(f) {
			if _, ok := t.text.lookup(lang); !ok {
				c.add(t.line, "%s: no %q text for %s", t.what, lang, t.field)
			}
		}
		for _, id := range messageIDs {
			translated := false
			for _, m := range []Messages{f.Messages, f.catalogue, all} {
				if _, ok := m[id].lookup(lang); ok {
					translated = true
					break
				}
			}
			if !translated {
				c.add(f.langLines[lang], "messages: no %q translation for %q", lang, id)
			}
		}
	}
	return c.problems
}

// checkLookups reports lookup steps that look for a kind of asset no flow
// of the folder records.
func checkLookups(flows map[string]*Flow) Problems {
	var problems Problems
	for _, f := range flows {
		for _, s := range f.Steps {
			if s.Type != TypeLookup || s.Lookup == "" {
				continue
			}
			if target, ok := flows[s.Lookup]; !ok || target.Asset == nil {
				problems = append(problems, Problem{File: f.File, Line: s.Line,
					Msg: fmt.Sprintf("step %q: lookup %q is not an asset flow of this folder (one with `asset:`)", s.ID, s.Lookup)})
			}
		}
	}
	return problems
}
