package flow

import (
	"strconv"
	"strings"
	"unicode"
)

// maxFound bounds the assets a lookup offers: a screenful of buttons.
const maxFound = 8

// maxNameLength bounds a name typed for a lookup whose step sets no
// max_length.
const maxNameLength = 120

// OptionNew is the lookup option that adds the name typed as a new asset.
const OptionNew = "new"

// candidatePrefix begins the option id of an asset a lookup offers.
const candidatePrefix = "a"

// CandidateOption is the option id under which a lookup offers asset id.
func CandidateOption(id int64) string { return candidatePrefix + strconv.FormatInt(id, 10) }

// picking reports whether the person is choosing among the assets a
// lookup found.
func (st State) picking() bool { return len(st.Found) > 0 }

// parseLookup takes a name typed for a lookup step, or a choice among the
// assets found for it.
func parseLookup(f *Flow, st *State, env Env, s *Step, in Input) (Value, action, string) {
	lang := env.Lang
	invalid := func(problem string) (Value, action, string) { return Value{}, actionInvalid, problem }
	if st.picking() {
		switch in.Kind {
		case InputOption:
			if v, ok := pick(*st, in.Option); ok {
				return v, actionAnswer, ""
			}
			return invalid(f.Msg(MsgPickOption, lang))
		case InputText:
			// A number or the label of one offered picks it; anything
			// else is another name to look for.
			if id, ok := MatchChoice(foundChoices(f, *st, lang), in.Text); ok {
				v, _ := pick(*st, id)
				return v, actionAnswer, ""
			}
		default:
			return invalid(f.Msg(MsgPickOption, lang))
		}
	}
	if in.Kind != InputText {
		return invalid(retry(s, lang, f.Msg(MsgLookupType, lang)))
	}
	maxLen := s.MaxLength
	if maxLen == 0 {
		maxLen = maxNameLength
	}
	name, problem := checkText(f, env, in.Text, max(s.MinLength, 1), maxLen)
	switch {
	case problem != "":
	case !strings.ContainsFunc(name, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }):
		problem = f.Msg(MsgNameLetters, lang)
	case s.Validate != nil && s.Validate.re != nil && !s.Validate.re.MatchString(name):
		problem = s.Validate.Message.In(lang)
	}
	if problem != "" {
		return invalid(retry(s, lang, problem))
	}
	var found []Candidate
	total := 0
	if env.Directory != nil {
		found, total = env.Directory.Search(s.Lookup, name, maxFound)
	}
	if len(found) == 0 {
		return Value{Text: name, New: true}, actionAnswer, ""
	}
	st.Typed, st.Found, st.FoundAll = name, found, max(total, len(found))
	return Value{}, actionPick, ""
}

// pick returns the answer that option id of a lookup's offer stands for.
func pick(st State, id string) (Value, bool) {
	if id == OptionNew {
		return Value{Text: st.Typed, New: true}, true
	}
	for _, c := range st.Found {
		if CandidateOption(c.ID) == id {
			return Value{Asset: c.ID, Text: c.Name}, true
		}
	}
	return Value{}, false
}

// foundChoices are the options a lookup offers: the assets found, then
// "none of these: add it".
func foundChoices(f *Flow, st State, lang string) []Choice {
	choices := make([]Choice, 0, len(st.Found)+1)
	for _, c := range st.Found {
		choices = append(choices, Choice{ID: CandidateOption(c.ID), Label: c.Label()})
	}
	return append(choices, Choice{ID: OptionNew, Label: f.Msg(MsgLookupNew, lang)})
}

// lookupPrompt turns the prompt of lookup step s into the offer of the
// assets found.
func lookupPrompt(f *Flow, st State, lang string, p *Prompt) {
	p.Type = TypeChoice
	p.Text = f.Text(MsgLookupFound, lang, "name", st.Typed)
	p.Hint = ""
	if st.FoundAll > len(st.Found) {
		p.Hint = f.Text(MsgLookupMore, lang, "total", strconv.Itoa(st.FoundAll), "shown", strconv.Itoa(len(st.Found)))
	}
	p.Options = foundChoices(f, st, lang)
	p.Current, p.CanBack = "", true
}

// Label names the candidate as offered: its name, and its detail if any.
func (c Candidate) Label() string {
	if c.Detail == "" {
		return c.Name
	}
	return c.Name + " (" + c.Detail + ")"
}
