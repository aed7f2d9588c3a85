package search

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// ErrNotOnMap is returned by Neighbours for someone who is not on the map
// themselves (unknown, or not consenting to it): only residents may look
// for neighbours.
var ErrNotOnMap = errors.New("not on the map")

// ErrNobodyShown is returned by Neighbours when the people flow shows
// nobody to other residents: it has no `shown:`.
var ErrNobodyShown = errors.New("the people flow shows nobody to other residents")

// Asker is the resident who looks for neighbours, as their channel knows
// them.
type Asker struct {
	Channel, UserID string
}

// Basis is what a search of neighbours looked for.
type Basis int

// The bases of a search of neighbours.
const (
	// ByWords: the words asked for.
	ByWords Basis = iota
	// ByWanted: what the asker said they would like (the flow's
	// shown.wanted answer), with no words asked for.
	ByWanted
	// Newest: neither words nor a wanted answer: everyone shown, newest
	// first.
	Newest
)

// NeighbourPage is a page of neighbours and what was looked for: Wanted is
// the asker's wanted answer when By is ByWanted.
type NeighbourPage struct {
	Page
	By     Basis
	Wanted flow.Value
}

// Neighbours returns page (from 0) of the residents shown to other
// residents: those whose latest decisions are consent to the map and to
// be shown, but never asker, who must be on the map themselves
// (ErrNotOnMap). With words, those whose shown answers match them,
// ranked as Find ranks; with none, those whose shown answers offer what
// asker wanted (the flow's shown.wanted answer), ranked by how much; with
// neither, everyone shown, newest first. Only the shown answers of each
// are read (into Result.Fields): no other answer can leak, nor match.
func (s *Searcher) Neighbours(ctx context.Context, asker Asker, words string, page int) (NeighbourPage, error) {
	spec := s.people.Shown
	if spec == nil {
		return NeighbourPage{}, ErrNobodyShown
	}
	if page < 0 {
		return NeighbourPage{}, fmt.Errorf("neighbours: page %d is before the first", page)
	}
	shown := map[int64]bool{}
	err := s.st.ConsentedPeople(ctx, flow.PurposeShown, func(r store.Record) error {
		shown[r.Person.ID] = true
		return nil
	})
	if err != nil {
		return NeighbourPage{}, fmt.Errorf("neighbours: %w", err)
	}
	var pool []Result
	onMap := false
	var wanted flow.Value
	err = s.st.ConsentedEach(ctx, s.people.ID, s.purpose, func(r store.Record) error {
		if r.Person.Channel == asker.Channel && r.Person.ChannelUserID == asker.UserID {
			onMap = true
			for _, a := range r.Answers {
				if a.Key == spec.Wanted && spec.Wanted != "" {
					wanted = a.Value
				}
			}
			return nil
		}
		if !shown[r.Person.ID] {
			return nil
		}
		fields := map[string]flow.Value{}
		for _, a := range r.Answers {
			if slices.Contains(spec.Answers, a.Key) && !a.Value.Skipped {
				fields[a.Key] = a.Value
			}
		}
		if len(fields) == 0 {
			// Nothing to show: agreeing to be shown offers nothing yet.
			return nil
		}
		pool = append(pool, Result{Kind: KindPerson, ID: r.Person.ID, Name: r.Person.FirstName, Fields: fields})
		return nil
	})
	if err != nil {
		return NeighbourPage{}, fmt.Errorf("neighbours: %w", err)
	}
	if !onMap {
		return NeighbourPage{}, ErrNotOnMap
	}
	np := NeighbourPage{By: ByWords}
	terms := s.terms(words)
	if strings.TrimSpace(words) == "" {
		terms = s.wantedTerms(wanted)
		np.By, np.Wanted = ByWanted, wanted
	}
	if len(terms) == 0 && np.By == ByWanted {
		// Nothing asked for: everyone shown, the newest first.
		np.By, np.Wanted = Newest, flow.Value{}
		slices.SortFunc(pool, func(a, b Result) int { return cmp.Compare(b.ID, a.ID) })
		np.Page = paged(pool, page)
		return np, nil
	}
	var all []Result
	for _, n := range pool {
		// The name is not searched: a neighbour is found by what they offer.
		if res, ok := s.score(terms, s.people, "", n.Fields, ""); ok {
			n.Score = res.Score
			all = append(all, n)
		}
	}
	slices.SortStableFunc(all, func(a, b Result) int { return cmp.Compare(b.Score, a.Score) })
	np.Page = paged(all, page)
	return np, nil
}

// wantedTerms are the terms of a wanted answer: each option chosen (but the
// free "something else", which would match everyone who typed one) and
// each word typed.
func (s *Searcher) wantedTerms(v flow.Value) []term {
	var terms []term
	for _, o := range append([]string{v.Choice}, v.Choices...) {
		if o != "" && o != flow.OtherOption {
			terms = append(terms, term{options: []string{o}})
		}
	}
	return append(terms, s.terms(strings.TrimSpace(v.Text+" "+v.Other))...)
}

// ShownAnswer is one answer a neighbour shows: the question's label and
// the answer, readable in a language.
type ShownAnswer struct {
	Label, Text string
}

// Shown returns the answers a neighbour (a result of Neighbours) shows,
// in the order the flow's shown.answers lists them, readable in language.
func (s *Searcher) Shown(res Result, language string) []ShownAnswer {
	if s.people.Shown == nil {
		return nil
	}
	var out []ShownAnswer
	for _, key := range s.people.Shown.Answers {
		v, ok := res.Fields[key]
		step := s.people.StepByKey(key)
		if !ok || step == nil {
			continue
		}
		if text := strings.TrimSpace(flow.Display(s.people, step, v, language)); text != "" {
			out = append(out, ShownAnswer{Label: step.ShortLabel(language), Text: text})
		}
	}
	return out
}

// Wanted returns a wanted answer (NeighbourPage.Wanted) readable in
// language.
func (s *Searcher) Wanted(v flow.Value, language string) string {
	if s.people.Shown == nil {
		return ""
	}
	step := s.people.StepByKey(s.people.Shown.Wanted)
	if step == nil {
		return ""
	}
	return flow.Display(s.people, step, v, language)
}
