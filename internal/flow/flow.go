// Package flow defines assetbot's conversational flows and runs them.
//
// A flow is YAML data (see flows/ in the repository): an ordered list of
// steps, each asking one thing. The engine in this package is pure: given a
// flow, a conversation State and an Input it returns the next State, the
// Prompts to show and the Answers to record. It does no I/O, so the same
// conversation runs on Telegram, in a terminal and in tests.
package flow

import (
	"regexp"
	"slices"
	"strings"
)

// StepType is the kind of answer a step asks for.
type StepType string

// The step types a flow may use.
const (
	TypeText     StepType = "text"
	TypeNumber   StepType = "number"
	TypeChoice   StepType = "choice"
	TypeMulti    StepType = "multi"
	TypeYesNo    StepType = "yesno"
	TypeLocation StepType = "location"
	TypeInfo     StepType = "info"
	// TypeLookup takes a typed name and offers the assets of a kind
	// already on the map that match it, or to add a new one.
	TypeLookup StepType = "lookup"
)

var stepTypes = []StepType{TypeText, TypeNumber, TypeChoice, TypeMulti, TypeYesNo, TypeLocation, TypeInfo, TypeLookup}

// End is the target of a route that finishes the flow.
const End = "end"

// The consent purposes a flow may ask for, each asked and recorded
// separately: being on the map (the answers kept and seen by organisers),
// being contacted by organisers about opportunities, and being shown
// (first name and offers) to other residents.
const (
	PurposeMap     = "map"
	PurposeContact = "contact"
	PurposeShown   = "shown"
)

// Purposes lists the consent purposes, in the order they are explained.
var Purposes = []string{PurposeMap, PurposeContact, PurposeShown}

// UnderAge is the option id of the answer "I'm under {min_age}" that a
// consent step with AgeCheck offers beside yes and no.
const UnderAge = "under_age"

// DefaultMinAge is the age a person must confirm they have reached when
// the host sets none (Env.MinAge 0): Telegram's own minimum in the UK and EU.
const DefaultMinAge = 16

// OtherOption is the id of the "something else" option that a multi step
// with Other set offers; choosing it asks for free text.
const OtherOption = "other"

// Yes and No are the stored values of a yesno answer, as conditions see them.
const (
	Yes = "yes"
	No  = "no"
)

// Text is a translatable string: a language code mapped to the text in that
// language. "en" is always present in a checked flow.
type Text map[string]string

// In returns the text in lang, falling back from a regional variant
// ("pt-BR") to its base language ("pt") and then to English.
func (t Text) In(lang string) string {
	if s, ok := t[lang]; ok && lang != "" {
		return s
	}
	if base, _, found := strings.Cut(lang, "-"); found {
		if s, ok := t[base]; ok {
			return s
		}
	}
	return t["en"]
}

// Option is one answer a choice or multi step offers. ID is the stable value
// stored; Label is what the person sees and may change freely.
type Option struct {
	ID    string
	Label Text
	Line  int
}

// Condition tests an earlier answer, found by its key. Exactly one of
// Equals, In, NotEquals or Answered is set. For a multi answer Equals and In
// mean "includes".
type Condition struct {
	Key       string
	Equals    string
	In        []string
	NotEquals string
	Answered  *bool
	Line      int
}

// Route is one branch of a step's next: go to Goto (a step id or End) if
// When holds, or always when When is nil.
type Route struct {
	When *Condition
	Goto string
	Line int
}

// Validation is an extra check on a text answer.
type Validation struct {
	Regex   string
	Message Text
	re      *regexp.Regexp
}

// Step is one question (or, for TypeInfo, one message) of a flow.
type Step struct {
	ID   string
	Key  string // the stable answer key; defaults to ID
	Type StepType
	// Label names the question in summaries and menus ("Skills"); it
	// defaults to the start of Text.
	Label Text
	Text  Text
	Hint  Text

	Optional bool
	Options  []Option
	// Other lets a multi step take a free-text "something else" answer.
	Other       bool
	OtherPrompt Text

	MinLength, MaxLength   int
	Min, Max               *float64
	Integer                bool
	MinChoices, MaxChoices int

	Validate *Validation
	// Retry replaces the built-in message shown when an answer is invalid.
	Retry Text
	When  *Condition
	Next  []Route
	// Consent names the purpose a yesno step asks consent for (one of
	// Purposes). Each decision is recorded with the version of the text
	// shown (see Answer.TextVersion).
	Consent string
	// Required, on a consent step, says that a "no" ends the flow at once
	// with the flow's Declined message and records nothing but the
	// refusal. A consent that is not required records a "no" and goes on.
	Required bool
	// AgeCheck, on a required consent step, adds a third answer: "I'm
	// under {min_age}". The engine then ends the run with OutcomeUnderAge,
	// recording nothing, so that the host keeps nothing about the person.
	AgeCheck bool
	// Lookup is, for a lookup step, the kind of asset it finds: the id of
	// the flow that records that kind.
	Lookup string
	// Link, on a lookup step, is the link its answer makes with the asset
	// found (or added).
	Link *LinkRule
	// Personal marks a question of an asset flow whose answer may hold
	// the personal details of whoever gave it (a phone number): erasing
	// that person clears it from the asset and its history.
	Personal bool

	Line int
	// requiredSet records that the file set `required`, which only a
	// consent step may.
	requiredSet bool
}

// Flow is a parsed, checked flow definition.
type Flow struct {
	ID      string
	Title   Text
	Version int
	// Declined is said when the person refuses a consent step.
	Declined Text
	// Asset is set when the flow records an asset (a group, a place, ...)
	// rather than the person answering it.
	Asset *AssetSpec
	// Links are the links between the person answering and the asset the
	// flow records that its answers make.
	Links    []LinkRule
	Steps    []*Step
	Messages Messages
	File     string

	index map[string]int
	// conditional lists, in flow order, the questions asked only when
	// their `when` holds: what changing an answer may add or withdraw.
	conditional []*Step
	// catalogue holds the overrides of the flow's folder (its messages.yaml).
	catalogue Messages
	// languages are the languages the flow offers, English first.
	languages []string
	// langLines holds the line where the file first uses each language;
	// titleLine and declinedLine where those texts are.
	langLines               map[string]int
	titleLine, declinedLine int
}

// AssetSpec says which answers of an asset flow name the asset and place
// it: Name (a text step's key) and, optionally, Area (a text or location
// step's key), which together tell whether it is already on the map.
// Order places the flow among the kinds /add offers (lowest first).
type AssetSpec struct {
	Name  string
	Area  string
	Order int
	// Personal holds, when set, for the assets that are about the person
	// who added them (their own self-employed trade): erasing that person
	// takes the whole asset off the map, not only their name.
	Personal *Condition
	Line     int
}

// PersonalAsset reports whether an asset this flow recorded, with fields,
// is about the person who added it (asset.personal holds for it).
func (f *Flow) PersonalAsset(fields map[string]Value) bool {
	return f.Asset != nil && f.Asset.Personal != nil && holds(f.Asset.Personal, State{}, Env{Known: fields})
}

// PersonalKeys returns the answer keys of the questions marked personal:
// those whose answers may hold personal details of whoever gave them.
func (f *Flow) PersonalKeys() []string {
	var keys []string
	for _, s := range f.Steps {
		if s.Personal && s.Type != TypeInfo {
			keys = append(keys, s.Key)
		}
	}
	return keys
}

// The link types between people and assets.
const (
	LinkMemberOf      = "member_of"
	LinkRuns          = "runs"
	LinkOwns          = "owns"
	LinkUses          = "uses"
	LinkOffersTo      = "offers_to"
	LinkConnectedWith = "connected_with"
)

// LinkTypes lists the link types, in the order they are explained.
var LinkTypes = []string{LinkMemberOf, LinkRuns, LinkOwns, LinkUses, LinkOffersTo, LinkConnectedWith}

// The ends a link rule may name.
const (
	EndPerson = "person" // the person answering
	EndThis   = "this"   // the asset the flow records
	EndFound  = "found"  // the asset a lookup step found or added
)

// LinkRule is a link a flow makes: of Type, From one end To another, when
// When holds (always when it is nil).
type LinkRule struct {
	Type     string
	From, To string
	When     *Condition
	Line     int
}

// LinkKeys returns the answer keys the flow's own links test: answers
// about the person answering (how they know the asset), not about the
// asset, so a host keeps them as links rather than as the asset's fields.
func (f *Flow) LinkKeys() []string {
	var keys []string
	for _, r := range f.Links {
		if r.When != nil && !slices.Contains(keys, r.When.Key) {
			keys = append(keys, r.When.Key)
		}
	}
	return keys
}

// Holds reports whether the rule applies to the answers in env.
func (r LinkRule) Holds(env Env) bool {
	return r.When == nil || holds(r.When, State{}, env)
}

// Step returns the step with the given id, or nil.
func (f *Flow) Step(id string) *Step {
	i, ok := f.index[id]
	if !ok {
		return nil
	}
	return f.Steps[i]
}

// StepByKey returns the question step whose answer key is key, or nil.
func (f *Flow) StepByKey(key string) *Step {
	for _, s := range f.Steps {
		if s.Key == key && s.Type != TypeInfo {
			return s
		}
	}
	return nil
}

// RequiredConsent returns the purpose of the flow's required consent step:
// the one without which nothing of a person is kept. It is "" for a flow
// that asks none.
func (f *Flow) RequiredConsent() string {
	if s := f.ConsentStep(""); s != nil {
		return s.Consent
	}
	return ""
}

// ConsentStep returns the step that asks consent for purpose, or with
// purpose "" the required one; nil if there is none.
func (f *Flow) ConsentStep(purpose string) *Step {
	for _, s := range f.Steps {
		if s.Consent != "" && (s.Consent == purpose || purpose == "" && s.Required) {
			return s
		}
	}
	return nil
}

// Questions returns the steps that take an answer, in flow order.
func (f *Flow) Questions() []*Step {
	var qs []*Step
	for _, s := range f.Steps {
		if s.Type != TypeInfo {
			qs = append(qs, s)
		}
	}
	return qs
}

// option returns the option with the given id, or nil.
func (s *Step) option(id string) *Option {
	for i := range s.Options {
		if s.Options[i].ID == id {
			return &s.Options[i]
		}
	}
	return nil
}

// maxLabel bounds a label made from a question's text.
const maxLabel = 32

// ShortLabel names the step in summaries and buttons, in lang.
func (s *Step) ShortLabel(lang string) string {
	if l := s.Label.In(lang); l != "" {
		return l
	}
	text := s.Text.In(lang)
	if i := strings.IndexAny(text, "?.!\n"); i > 0 {
		text = text[:i]
	}
	if r := []rune(text); len(r) > maxLabel {
		text = strings.TrimSpace(string(r[:maxLabel-1])) + "…"
	}
	return text
}
