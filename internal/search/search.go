// Package search finds people and assets on the map for organisers: by
// words (/find), by the community's aim (/match), and the totals (/stats);
// and, for residents, the neighbours who agreed to be shown (/neighbours).
//
// Only people whose latest decision on the people flow's consent purpose is
// consent are ever searched or counted; a neighbour must also have agreed
// to be shown, and only the answers the flow's `shown:` names are read of
// them. Results name people by their first name and store id: never a
// Telegram id or username.
package search

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/assetbot/assetbot/internal/directory"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// PageSize is how many results a page holds: a short list on a phone.
const PageSize = 5

// lang is the language results are shown in.
const lang = "en"

// minStem is the shortest a word is cut down to by removing its ending, so
// that "sing" is not cut to "s".
const minStem = 3

// Kind says whether a result is a person or an asset.
type Kind string

// The kinds of result.
const (
	KindPerson Kind = "person"
	KindAsset  Kind = "asset"
)

// Result is one person or asset that matched.
type Result struct {
	Kind Kind
	// ID is the person's or asset's id in the store.
	ID int64
	// Name is the person's first name or the asset's name; AssetKind, for
	// an asset, the id of the flow that records it.
	Name, AssetKind string
	// Matched are the readable answers that matched, in flow order.
	Matched []string
	// Score is how many of the words asked for matched.
	Score int
	// Fields are, for a neighbour (see Neighbours), the answers they agreed
	// to show and nothing else; nil in the organisers' results.
	Fields map[string]flow.Value
}

// Page is one page of results, best first.
type Page struct {
	Results []Result
	// Page is the page's number from 0; Pages how many there are; Total
	// how many results in all.
	Page, Pages, Total int
}

// Searcher searches the map a store holds.
type Searcher struct {
	st      *store.Store
	flows   map[string]*flow.Flow
	people  *flow.Flow
	purpose string
	// asked are, by flow id, the answer keys each flow asks for, in flow
	// order, with their steps, without the consent step.
	asked map[string][]question
	// labels maps each word of every option label, in every language, cut
	// to its stem, to the ids of the options it names.
	labels map[string][]string
}

// New returns a Searcher of st. people is the flow people answer: its
// required consent (the map) decides who may be found. flows are every flow in
// use, whose option labels are understood in every language they have.
func New(st *store.Store, flows map[string]*flow.Flow, people *flow.Flow) (*Searcher, error) {
	purpose := people.RequiredConsent()
	if purpose == "" {
		return nil, fmt.Errorf("flow %q asks no consent, so nobody in it may be searched", people.ID)
	}
	s := &Searcher{st: st, flows: flows, people: people, purpose: purpose, asked: map[string][]question{}, labels: map[string][]string{}}
	for _, f := range flows {
		for _, q := range f.Questions() {
			if q.Consent == "" && !slices.ContainsFunc(s.asked[f.ID], func(a question) bool { return a.key == q.Key }) {
				s.asked[f.ID] = append(s.asked[f.ID], question{key: q.Key, step: q})
			}
		}
		for _, step := range f.Steps {
			for _, o := range step.Options {
				for _, text := range o.Label {
					for _, w := range stems(text) {
						if !slices.Contains(s.labels[w], o.ID) {
							s.labels[w] = append(s.labels[w], o.ID)
						}
					}
				}
			}
		}
	}
	return s, nil
}

// ignored are the small words, in the shipped languages, that /find
// passes over: in labels such as "Arts & crafts" or "Sgiliau i'w rhannu"
// they would match nearly everyone.
var ignored = map[string]bool{
	"a": true, "an": true, "and": true, "the": true, "of": true, "or": true, "to": true, "in": true, "for": true, "with": true,
	"ac": true, "y": true, "yr": true, "neu": true, "i": true, "gyda": true,
}

// term is one word asked for: its stem, and the option ids it names.
type term struct {
	stem    string
	options []string
}

// Find returns page (from 0) of the people and assets whose answers match
// words, ranked by how many of the words they match. A word matches a
// word of a name or answer with the same stem ("bikes" finds "bike",
// "gardens" finds "gardening"), whatever the case or accents, and matches
// an answer choosing an option whose label, in any language, has it
// ("Garddio" finds those who ticked gardening).
func (s *Searcher) Find(ctx context.Context, words string, page int) (Page, error) {
	return s.search(ctx, s.terms(words), page)
}

// terms are the words asked for, each once, without the small ones, with
// the options whose labels have them.
func (s *Searcher) terms(words string) []term {
	var terms []term
	for _, w := range stems(words) {
		if !ignored[w] && !slices.ContainsFunc(terms, func(t term) bool { return t.stem == w }) {
			terms = append(terms, term{stem: w, options: s.labels[w]})
		}
	}
	return terms
}

// Match returns page (from 0) of what fits the aim: whoever chose one of
// options or used one of words, ranked by how many they matched.
func (s *Searcher) Match(ctx context.Context, options, words []string, page int) (Page, error) {
	var terms []term
	for _, o := range options {
		terms = append(terms, term{options: []string{o}})
	}
	for _, w := range words {
		for _, st := range stems(w) {
			terms = append(terms, term{stem: st})
		}
	}
	return s.search(ctx, terms, page)
}

// search ranks everyone and everything that matches at least one term and
// returns the page asked for. A page past the end is empty.
func (s *Searcher) search(ctx context.Context, terms []term, page int) (Page, error) {
	if page < 0 {
		return Page{}, fmt.Errorf("search: page %d is before the first", page)
	}
	var all []Result
	if len(terms) > 0 {
		// One map for everyone's answers, filled again for each: score
		// keeps none of it.
		fields := map[string]flow.Value{}
		err := s.st.ConsentedValues(ctx, s.people.ID, s.purpose, func(r store.Record) error {
			clear(fields)
			for _, a := range r.Answers {
				fields[a.Key] = a.Value
			}
			if res, ok := s.score(terms, s.people, r.Person.FirstName, fields, lang); ok {
				res.Kind, res.ID = KindPerson, r.Person.ID
				all = append(all, res)
			}
			return nil
		})
		if err != nil {
			return Page{}, fmt.Errorf("search people: %w", err)
		}
		err = s.st.ConsentedAssets(ctx, "", s.purpose, func(a store.Asset) error {
			if res, ok := s.score(terms, s.flows[a.Kind], a.Name, a.Fields, lang); ok {
				res.Kind, res.ID, res.AssetKind = KindAsset, a.ID, a.Kind
				all = append(all, res)
			}
			return nil
		})
		if err != nil {
			return Page{}, fmt.Errorf("search assets: %w", err)
		}
	}
	slices.SortStableFunc(all, func(a, b Result) int { return cmp.Compare(b.Score, a.Score) })
	return paged(all, page), nil
}

// paged returns page (from 0) of all; a page past the end is empty,
// however far past (a page number from a forged button cannot overflow).
func paged(all []Result, page int) Page {
	p := Page{Page: page, Total: len(all), Pages: (len(all) + PageSize - 1) / PageSize}
	if page < p.Pages {
		from := page * PageSize
		p.Results = all[from:min(from+PageSize, len(all))]
	}
	return p
}

// score says how many terms the name and fields (answers in flow f, nil
// if the flow is not in use) match, with the answers that did, readable
// in readIn (none when readIn is ""). A choice matches through its option
// id (the labels, in every language, are in the terms' options); typed
// text through its stems. Only answers that matched are made readable,
// which is most of the cost of showing one.
func (s *Searcher) score(terms []term, f *flow.Flow, name string, fields map[string]flow.Value, readIn string) (Result, bool) {
	res := Result{Name: name}
	hits := make([]bool, len(terms))
	nameStems := stemsFor(name, terms)
	for i, t := range terms {
		hits[i] = t.stem != "" && slices.Contains(nameStems, t.stem)
	}
	for _, q := range s.questions(f, fields) {
		v := fields[q.key]
		free := strings.TrimSpace(v.Text + " " + v.Other)
		words := stemsFor(free, terms)
		matched := false
		for i, t := range terms {
			if (t.stem != "" && slices.Contains(words, t.stem)) || slices.ContainsFunc(t.options, func(o string) bool { return o == v.Choice || slices.Contains(v.Choices, o) }) {
				hits[i], matched = true, true
			}
		}
		if matched && readIn != "" {
			readable := v.Text
			if q.step != nil {
				readable = flow.Display(f, q.step, v, readIn)
			}
			res.Matched = append(res.Matched, readable)
		}
	}
	for _, hit := range hits {
		if hit {
			res.Score++
		}
	}
	return res, res.Score > 0
}

// question is an answer key with the step that asks it (nil if the flow
// no longer does).
type question struct {
	key  string
	step *flow.Step
}

// questions are the keys of fields in flow order, then any the flow does
// not ask (in key order), without the consent step.
func (s *Searcher) questions(f *flow.Flow, fields map[string]flow.Value) []question {
	var asked []question
	if f != nil {
		asked = s.asked[f.ID]
	}
	out := make([]question, 0, len(fields))
	for _, q := range asked {
		if _, ok := fields[q.key]; ok {
			out = append(out, q)
		}
	}
	if len(out) == len(fields) {
		return out
	}
	var rest []string
	for k := range fields {
		if !slices.ContainsFunc(asked, func(q question) bool { return q.key == k }) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		out = append(out, question{key: k})
	}
	return out
}

// stemsFor returns the stems of text, or none where no term's stem can be
// among them: folding and stemming the words of every answer of everyone
// is most of a search's own work, and most answers hold none of the terms.
func stemsFor(text string, terms []term) []string {
	for _, t := range terms {
		if t.stem != "" && mayHaveStem(text, t.stem) {
			return stems(text)
		}
	}
	return nil
}

// mayHaveStem reports whether text can have a word whose stem is s; false
// only when it surely cannot, found without folding text. A word starts
// with its stem, but for a final "i" that stands for a "y" ("parti" from
// "party"), so it starts with s without that "i". Folding ASCII text only
// lowers its case and breaks words at what is neither letter nor digit,
// so such text holds that start, in any case, or has no such word. Other
// text, and text with what folding joins or rewrites (an apostrophe, an
// "&"), may have one.
func mayHaveStem(text, s string) bool {
	start := strings.TrimSuffix(s, "i")
	for i := 0; i < len(text); i++ {
		if c := text[i]; c >= utf8.RuneSelf || c == '&' || isASCIIApostrophe(c) {
			return true
		}
	}
	return containsFold(text, start)
}

// isASCIIApostrophe reports whether c is an ASCII character that folding
// treats as an apostrophe, joining the letters either side.
func isASCIIApostrophe(c byte) bool { return c == '\'' || c == '`' }

// containsFold reports whether ASCII text holds sub, ignoring the case of
// letters; sub is folded (lower case).
func containsFold(text, sub string) bool {
	for i := 0; i+len(sub) <= len(text); i++ {
		j := 0
		for j < len(sub) && lowerASCII(text[i+j]) == sub[j] {
			j++
		}
		if j == len(sub) {
			return true
		}
	}
	return false
}

// lowerASCII is c in lower case, if it is an ASCII capital.
func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// stems splits text into words, folded (lower case, no accents) and cut
// to their stems.
func stems(text string) []string {
	var out []string
	for _, w := range strings.Fields(directory.Normalize(text)) {
		out = append(out, stem(w))
	}
	return out
}

// stem cuts common English endings off a folded word, so that the forms of
// a word meet: "bikes" and "bike", "gardens" and "gardening", "dance" and
// "dancing", "parties" and "party". It is deliberately simple: a word it
// does not know the ending of is left whole.
func stem(w string) string {
	cut := func(suffix, with string) bool {
		if strings.HasSuffix(w, suffix) && len(w)-len(suffix)+len(with) >= minStem {
			w = strings.TrimSuffix(w, suffix) + with
			return true
		}
		return false
	}
	switch {
	case cut("ies", "y"), cut("sses", "ss"), cut("ing", ""):
	case strings.HasSuffix(w, "ss"):
	case cut("s", ""):
	}
	if strings.HasSuffix(w, "y") {
		w = strings.TrimSuffix(w, "y") + "i"
	}
	cut("e", "")
	return w
}

// Stats are the map's totals.
type Stats struct {
	// People is how many people consented; ByArea counts them by the area
	// they gave (as typed, folded), "" for those who gave none.
	People int
	ByArea map[string]int
	// Assets counts the assets on the map by kind; Links the links whose
	// ends may be shown.
	Assets map[string]int
	Links  int
}

// areaKey is the people flow's answer key for the area a person lives in.
const areaKey = "area"

// Stats counts the people who consented (in all and by area), the assets
// by kind and the links.
func (s *Searcher) Stats(ctx context.Context) (Stats, error) {
	st := Stats{ByArea: map[string]int{}, Assets: map[string]int{}}
	areas, err := s.st.ConsentedTexts(ctx, s.people.ID, s.purpose, areaKey)
	if err != nil {
		return st, fmt.Errorf("count people: %w", err)
	}
	for _, a := range areas {
		st.People += a.Count
		st.ByArea[directory.NormalizeArea(a.Text)] += a.Count
	}
	if err := s.st.ConsentedAssets(ctx, "", s.purpose, func(a store.Asset) error { st.Assets[a.Kind]++; return nil }); err != nil {
		return st, fmt.Errorf("count assets: %w", err)
	}
	if err := s.st.ConsentedLinks(ctx, s.purpose, func(store.NamedLink) error { st.Links++; return nil }); err != nil {
		return st, fmt.Errorf("count links: %w", err)
	}
	return st, nil
}

// Purpose is the consent purpose that decides who may be found.
func (s *Searcher) Purpose() string { return s.purpose }
