// Package digest builds the organisers' weekly digest: what is new on the
// map, what is given most, who and what could help with the community's
// aim, the gaps, the volunteers' results, the refreshes, and where people
// stop in each flow. Build reads only aggregates from the store; Text
// renders them short enough to read on a phone.
package digest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/assetbot/assetbot/internal/config"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// Week is the digest's default span: it is sent weekly.
const Week = 7 * 24 * time.Hour

// The digest's lengths, so it stays short on a phone.
const (
	// topOptions is how many of the options given most it lists.
	topOptions = 5
	// maxMatches is how many people and assets matching the aim it names.
	maxMatches = 10
	// fewest is how many areas and skills with fewest entries it lists.
	fewest = 3
	// maxOffer is how many characters of a person's offer it quotes.
	maxOffer = 60
	// maxDropOff is how many steps where people stop it lists.
	maxDropOff = 5
)

// The resident flow's answer keys the digest reads by name: the person's
// offer in their own words, their area, and their skills (what their
// hands can do).
const (
	offerKey  = "offer"
	areaKey   = "area"
	skillsKey = "hands"
)

// Params is what Build needs besides the store: the resident flow, the
// community's aim, the timezone the digest's dates are shown in, and every
// flow in use by id, whose titles name the kinds of asset and whose
// steps' labels name where people stop (ids where a flow is missing).
type Params struct {
	Resident *flow.Flow
	Aim      config.Aim
	Location *time.Location
	Flows    map[string]*flow.Flow
}

// Option is an option id with its counts.
type Option = store.OptionCount

// Digest is what the digest says, before it is put into words.
type Digest struct {
	Since, Now        time.Time
	People, NewPeople int
	Kinds             []store.KindCount
	Top, TopNew       []Option
	Aim               string
	PeopleMatches     []store.AimMatch
	AssetMatches      []store.AimMatch
	FewestAreas       []store.TextCount
	FewestSkills      []Option
	Volunteers        []store.VolunteerStats
	Refreshes         store.RefreshCounts
	DropOff           []store.StepCount
	// Weeks counts the people who joined in each of the chartWeeks weeks
	// before Now, this week first.
	Weeks []int
	// labels are the resident flow's option labels by id; resident and
	// loc give Text its words and timezone, flows its names for kinds and
	// steps.
	labels   map[string]flow.Text
	resident *flow.Flow
	loc      *time.Location
	flows    map[string]*flow.Flow
}

// Build reads the digest of what happened from since to now.
func Build(ctx context.Context, st *store.Store, p Params, since, now time.Time) (Digest, error) {
	d := Digest{Since: since, Now: now, Aim: p.Aim.Text, resident: p.Resident, loc: p.Location, labels: optionLabels(p.Resident), flows: p.Flows}
	var err error
	if d.People, d.NewPeople, err = st.PeopleCounts(ctx, since); err != nil {
		return d, fmt.Errorf("digest: %w", err)
	}
	if d.Kinds, err = st.AssetKinds(ctx, since); err != nil {
		return d, fmt.Errorf("digest: %w", err)
	}
	counts, err := st.OptionCounts(ctx, p.Resident.ID, multiKeys(p.Resident), since)
	if err != nil {
		return d, fmt.Errorf("digest: %w", err)
	}
	d.Top = top(counts, func(o Option) int { return o.Total })
	d.TopNew = top(counts, func(o Option) int { return o.New })
	d.FewestSkills = fewestSkills(p.Resident, counts)
	if d.FewestAreas, err = st.TextCounts(ctx, p.Resident.ID, areaKey, fewest); err != nil {
		return d, fmt.Errorf("digest: %w", err)
	}
	if p.Aim.Text != "" {
		purpose := p.Resident.RequiredConsent()
		if purpose != "" {
			if d.PeopleMatches, err = st.AimPeople(ctx, p.Resident.ID, purpose, offerKey, aimKeys(p.Resident, p.Aim), p.Aim.Options, p.Aim.Words, maxMatches); err != nil {
				return d, fmt.Errorf("digest: %w", err)
			}
		}
		if d.AssetMatches, err = st.AimAssets(ctx, p.Aim.Options, p.Aim.Words, maxMatches-len(d.PeopleMatches)); err != nil {
			return d, fmt.Errorf("digest: %w", err)
		}
	}
	if d.Volunteers, err = st.Volunteers(ctx); err != nil {
		return d, fmt.Errorf("digest: %w", err)
	}
	if d.Refreshes, err = st.Refreshes(ctx, since); err != nil {
		return d, fmt.Errorf("digest: %w", err)
	}
	if d.DropOff, err = st.DropOff(ctx); err != nil {
		return d, fmt.Errorf("digest: %w", err)
	}
	if d.Weeks, err = st.PeoplePerWeek(ctx, now, chartWeeks); err != nil {
		return d, fmt.Errorf("digest: %w", err)
	}
	return d, nil
}

// multiKeys are the answer keys of the flow's multi steps: skills,
// passions, what people would learn, their groups.
func multiKeys(f *flow.Flow) []string {
	var keys []string
	for _, s := range f.Steps {
		if s.Type == flow.TypeMulti {
			keys = append(keys, s.Key)
		}
	}
	return keys
}

// aimKeys returns the answer keys of f that can hold a match for aim: the
// choice and multi steps that offer one of its options and, when it has
// words, the steps whose answer holds free text (text and lookup answers,
// and the "something else" of steps with Other).
func aimKeys(f *flow.Flow, aim config.Aim) []string {
	var keys []string
	for _, s := range f.Steps {
		offers := slices.ContainsFunc(s.Options, func(o flow.Option) bool { return slices.Contains(aim.Options, o.ID) })
		free := s.Type == flow.TypeText || s.Type == flow.TypeLookup || s.Other
		if offers || (free && len(aim.Words) > 0) {
			keys = append(keys, s.Key)
		}
	}
	return keys
}

// optionLabels maps the flow's option ids to their labels.
func optionLabels(f *flow.Flow) map[string]flow.Text {
	labels := map[string]flow.Text{}
	for _, s := range f.Steps {
		for _, o := range s.Options {
			labels[o.ID] = o.Label
		}
	}
	return labels
}

// top returns the topOptions options with the highest count by n, most
// first, then by key and option; none with a count of 0. Their Total is
// set to that count, the one the digest shows.
func top(counts []Option, n func(Option) int) []Option {
	var out []Option
	for _, o := range counts {
		if o.Option != flow.OtherOption && n(o) > 0 {
			out = append(out, o)
		}
	}
	slices.SortStableFunc(out, func(a, b Option) int { return n(b) - n(a) })
	if len(out) > topOptions {
		out = out[:topOptions]
	}
	for i := range out {
		out[i].Total = n(out[i])
	}
	return out
}

// fewestSkills returns the skills offered least, those nobody gave first:
// the skills step's options in flow order with their counts.
func fewestSkills(f *flow.Flow, counts []Option) []Option {
	var out []Option
	for _, s := range f.Steps {
		if s.Key != skillsKey {
			continue
		}
		for _, o := range s.Options {
			if o.ID == flow.OtherOption {
				continue
			}
			c := Option{Key: s.Key, Option: o.ID}
			for _, g := range counts {
				if g.Key == s.Key && g.Option == o.ID {
					c = g
				}
			}
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b Option) int { return a.Total - b.Total })
	if len(out) > fewest {
		out = out[:fewest]
	}
	return out
}

// dateFormat is how the digest shows its span's dates.
const dateFormat = "2006-01-02"

// Text renders the digest in lang: one short paragraph per part, under
// Telegram's 4096 characters. It names people by first name only.
func Text(d Digest, lang string) string {
	r := d.resident
	say := func(id string, vars ...string) string { return r.Text(id, lang, vars...) }
	none := say(flow.MsgDigestNone)
	list := func(items []string) string {
		if len(items) == 0 {
			return none
		}
		return strings.Join(items, ", ")
	}
	totalAssets, newAssets := 0, 0
	var kinds []string
	for _, k := range d.Kinds {
		totalAssets += k.Total
		newAssets += k.New
		kinds = append(kinds, fmt.Sprintf("%s %d (+%d)", d.title(k.Kind, lang), k.Total, k.New))
	}
	options := func(os []Option) string {
		var items []string
		for _, o := range os {
			items = append(items, d.label(o.Option, lang)+" "+strconv.Itoa(o.Total))
		}
		return list(items)
	}
	parts := []string{
		say(flow.MsgDigestTitle, "from", d.Since.In(d.loc).Format(dateFormat), "to", d.Now.In(d.loc).Format(dateFormat)),
		say(flow.MsgDigestNew, "people", strconv.Itoa(d.NewPeople), "assets", strconv.Itoa(newAssets),
			"total_people", strconv.Itoa(d.People), "total_assets", strconv.Itoa(totalAssets)) + "\n" +
			say(flow.MsgDigestKinds, "kinds", list(kinds)),
		say(flow.MsgDigestTop, "list", options(d.Top)) + "\n" + say(flow.MsgDigestTopNew, "list", options(d.TopNew)),
	}
	if d.Aim != "" {
		parts = append(parts, d.aimText(lang, say))
	}
	var areas []string
	for _, a := range d.FewestAreas {
		areas = append(areas, a.Text+" "+strconv.Itoa(a.Count))
	}
	parts = append(parts, say(flow.MsgDigestGaps, "areas", list(areas), "skills", options(d.FewestSkills)))
	var vols []string
	for _, v := range d.Volunteers {
		if v.Status != "removed" {
			vols = append(vols, fmt.Sprintf("%s %d/%d", v.Name, v.Finished, v.Started))
		}
	}
	rc := d.Refreshes
	parts = append(parts, say(flow.MsgDigestVolunteer, "list", list(vols))+"\n"+
		say(flow.MsgDigestRefresh, "sent", strconv.Itoa(rc.Sent), "answered", strconv.Itoa(rc.Answered),
			"people", strconv.Itoa(rc.StalePeople), "assets", strconv.Itoa(rc.StaleAssets)))
	var stops []string
	for i, s := range d.DropOff {
		if i == maxDropOff {
			break
		}
		stops = append(stops, fmt.Sprintf("%s (%s) %d", d.stepLabel(s.Flow, s.Step, lang), d.title(s.Flow, lang), s.Count))
	}
	parts = append(parts, say(flow.MsgDigestDropOff, "list", list(stops)))
	return strings.Join(parts, "\n\n") + "\n"
}

// aimText lists who and what could help with the aim.
func (d Digest) aimText(lang string, say func(string, ...string) string) string {
	if len(d.PeopleMatches)+len(d.AssetMatches) == 0 {
		return say(flow.MsgDigestAimNone, "aim", d.Aim)
	}
	lines := []string{say(flow.MsgDigestAim, "aim", d.Aim)}
	for _, m := range d.PeopleMatches {
		line := "• " + m.Name
		if offer := strings.TrimSpace(m.Offer); offer != "" {
			line += ": " + clip(offer, maxOffer)
		}
		lines = append(lines, line)
	}
	for _, m := range d.AssetMatches {
		lines = append(lines, "• "+m.Name+" ("+d.title(m.Kind, lang)+")")
	}
	return strings.Join(lines, "\n")
}

// title is the title in lang of the flow with the id (a kind of asset's
// flow, or a people flow), or the id when no flow in use has it: a flow
// since removed still shows as something.
func (d Digest) title(id, lang string) string {
	if f, ok := d.flows[id]; ok {
		if t := f.Title.In(lang); t != "" {
			return t
		}
	}
	return id
}

// stepLabel is the short label in lang of the step of flow flowID, or the
// step's id when the flow or the step is no longer in use.
func (d Digest) stepLabel(flowID, stepID, lang string) string {
	if f, ok := d.flows[flowID]; ok {
		if s := f.Step(stepID); s != nil {
			if l := s.ShortLabel(lang); l != "" {
				return l
			}
		}
	}
	return stepID
}

// label is an option's label in lang, or its id when no flow has it.
func (d Digest) label(id, lang string) string {
	if l, ok := d.labels[id]; ok {
		return l.In(lang)
	}
	return id
}

// clip shortens s to at most n characters, marking the cut with an
// ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
