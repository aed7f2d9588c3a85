package conversation

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/assetbot/assetbot/internal/directory"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// pendingRun is a run to start once the current one is over: adding the
// asset of kind Flow named Name in a lookup, and then making Link with it.
type pendingRun struct {
	Flow string       `json:"flow"`
	Name string       `json:"name"`
	Link *pendingLink `json:"link,omitempty"`
	// Answer is the person's answer that named it, to point at the asset
	// once added.
	Answer *answerRef `json:"answer,omitempty"`
}

// answerRef names one answer: its flow and key, and the asset whose
// field it is (0 for the person's own answer).
type answerRef struct {
	Flow  string `json:"flow"`
	Key   string `json:"key"`
	Asset int64  `json:"asset,omitempty"`
}

// pendingLink is a link to make with an asset once it is added: of Type,
// between it and Other, the new asset being the From end if NewFrom.
// Source is the lookup answer that asked for it.
type pendingLink struct {
	Type    string    `json:"type"`
	Other   store.End `json:"other"`
	NewFrom bool      `json:"new_from,omitempty"`
	Source  string    `json:"source"`
}

// link is the link with the asset once added as id.
func (p pendingLink) link(id, by int64) store.Link {
	l := store.Link{Type: p.Type, From: p.Other, To: store.AssetEnd(id), RecordedBy: by}
	if p.NewFrom {
		l.From, l.To = l.To, l.From
	}
	return l
}

// assetEnv fills env with what is known of the asset the turn is about:
// its fields, or, for one not yet added, the answers its run started with.
func (s *Service) assetEnv(t *turn, env *flow.Env) error {
	if t.asset == 0 {
		maps.Copy(env.Known, t.sess.Prefill)
		return nil
	}
	a, err := t.tx.Asset(t.asset)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Removed meanwhile: what is said about it is said to nobody,
		// which the end of the run or the menu tells the person.
		return nil
	case err != nil:
		return err
	}
	maps.Copy(env.Known, a.Fields)
	return nil
}

// source names the answers that make a set of links, so that answering
// again replaces them: the flow, the asset it records ("#ID"), the answer
// key ("/KEY") and the person ("@ID") when they are one of the ends.
func source(f *flow.Flow, asset int64, key string, person int64) string {
	var b strings.Builder
	b.WriteString(f.ID)
	if asset != 0 {
		b.WriteString("#" + strconv.FormatInt(asset, 10))
	}
	if key != "" {
		b.WriteString("/" + key)
	}
	if person != 0 {
		b.WriteString("@" + strconv.FormatInt(person, 10))
	}
	return b.String()
}

// ends resolves the ends a link rule names: the person answering, the
// asset the flow records (this) and the asset a lookup found.
type ends struct{ person, this, found int64 }

func (e ends) of(name string) store.End {
	switch name {
	case flow.EndPerson:
		return store.PersonEnd(e.person)
	case flow.EndThis:
		return store.AssetEnd(e.this)
	}
	return store.AssetEnd(e.found)
}

// involves returns the person's id if rule r has them as an end, else 0.
func (e ends) involves(r flow.LinkRule) int64 {
	if r.From == flow.EndPerson || r.To == flow.EndPerson {
		return e.person
	}
	return 0
}

func (e ends) link(r flow.LinkRule) store.Link {
	return store.Link{Type: r.Type, From: e.of(r.From), To: e.of(r.To), RecordedBy: e.person}
}

// linkLookup makes the link a lookup step's answer v asks for, replacing
// the one an earlier answer made. An asset found is linked now; a name not
// on the map yet is linked once its run adds it (see queueNamed).
func (s *Service) linkLookup(t *turn, step *flow.Step, v flow.Value, e ends) error {
	if step == nil || step.Type != flow.TypeLookup || step.Link == nil {
		return nil
	}
	var links []store.Link
	if v.Asset != 0 {
		switch _, err := t.tx.Asset(v.Asset); {
		case err == nil:
			e.found = v.Asset
			links = append(links, e.link(*step.Link))
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	return t.tx.ReplaceLinks(source(t.flow, e.this, step.Key, e.involves(*step.Link)), links)
}

// linkAnswer makes the links of a person flow's answer (v zero when it was
// withdrawn).
func (s *Service) linkAnswer(t *turn, step *flow.Step, v flow.Value) error {
	return s.linkLookup(t, step, v, ends{person: t.person.ID})
}

// queueNamed plans a run for each asset named in answers (by lookup steps
// of the turn's flow) that is not on the map yet, to add it once this run
// is over; this is the asset the flow records, if it does.
func (s *Service) queueNamed(t *turn, answers map[string]flow.Value, this int64) {
	e := ends{person: t.person.ID, this: this}
	for _, step := range t.flow.Steps {
		v, ok := answers[step.Key]
		if step.Type != flow.TypeLookup || !ok || !v.New {
			continue
		}
		p := pendingRun{Flow: step.Lookup, Name: v.Text}
		if r := step.Link; r != nil {
			newFrom := r.From == flow.EndFound
			other := r.From
			if newFrom {
				other = r.To
			}
			p.Link = &pendingLink{Type: r.Type, Other: e.of(other), NewFrom: newFrom, Source: source(t.flow, this, step.Key, e.involves(*r))}
		}
		p.Answer = &answerRef{Flow: t.flow.ID, Key: step.Key, Asset: this}
		t.sess.Pending = append(t.sess.Pending, p)
	}
}

// next starts the first run planned, if any, and reports whether it did.
func (s *Service) next(t *turn) (bool, error) {
	for len(t.sess.Pending) > 0 {
		p := t.sess.Pending[0]
		t.sess.Pending = t.sess.Pending[1:]
		f, ok := s.flows[p.Flow]
		if !ok || f.Asset == nil {
			continue // the folder no longer has that kind
		}
		t.sess.Prefill = map[string]flow.Value{f.Asset.Name: {Text: p.Name}}
		t.sess.Then, t.sess.Named = p.Link, p.Answer
		t.say(flow.MsgLookupNext, "name", p.Name)
		return true, s.run(t, f, 0, flow.Options{})
	}
	return false, nil
}

// add starts a run adding a new asset with flow f.
func (s *Service) add(t *turn, f *flow.Flow) error {
	t.sess.Prefill, t.sess.Then, t.sess.Named = nil, nil, nil
	return s.run(t, f, 0, flow.Options{})
}

// applyAsset is apply for a run of an asset flow: its answers are held in
// the run until it is over, then saved together with the asset.
func (s *Service) applyAsset(t *turn, r flow.Result) error {
	if !t.sess.Checked && t.sess.Asset == 0 && s.readyToCheck(t, r) {
		t.sess.Checked = true
		if len(s.same(t)) > 0 {
			// Ask before going on; the question held back is asked
			// again after.
			s.showMenu(t, menuDup, "")
			return nil
		}
	}
	s.prompts(t, r)
	if r.Outcome == flow.OutcomeFinished {
		return s.finishAsset(t)
	}
	return nil
}

// runValue returns an answer of the run in the session, or known before it.
func (t *turn) runValue(key string) (flow.Value, bool) {
	if v, ok := t.sess.Flow.Answers[key]; ok {
		return v, true
	}
	v, ok := t.env.Known[key]
	return v, ok
}

// readyToCheck reports whether enough is known of the asset being added to
// look for it on the map: its name, and its area when the flow asks one.
func (s *Service) readyToCheck(t *turn, r flow.Result) bool {
	spec := t.flow.Asset
	if _, ok := t.runValue(spec.Name); !ok {
		return false
	}
	_, area := t.runValue(spec.Area)
	return spec.Area == "" || area || r.Outcome == flow.OutcomeFinished
}

// same returns the assets on the map with the name and area of the one
// being added.
func (s *Service) same(t *turn) []flow.Candidate {
	if s.dir == nil {
		return nil
	}
	spec := t.flow.Asset
	name, _ := t.runValue(spec.Name)
	area, _ := t.runValue(spec.Area)
	return s.dir.Same(t.flow.ID, name.Text, areaOf(area))
}

// areaOf is an area answer as the directory compares it.
func areaOf(v flow.Value) directory.Area {
	switch {
	case v.Skipped:
		return directory.Area{}
	case v.Location != nil:
		return directory.Area{Lat: v.Location.Lat, Lon: v.Location.Lon, HasPoint: true}
	}
	return directory.Area{Text: v.Text}
}

// sameAsset carries on a run adding an asset as a change of asset id,
// which the person says is the one they mean.
func (s *Service) sameAsset(t *turn, id int64) error {
	if _, err := t.tx.Asset(id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return s.differentAsset(t)
		}
		return err
	}
	// Its name and area are the same as those typed: keep them as they
	// are on the map.
	delete(t.sess.Flow.Answers, t.flow.Asset.Name)
	delete(t.sess.Flow.Answers, t.flow.Asset.Area)
	t.sess.Asset, t.sess.Prefill = id, nil
	if err := s.use(t, t.flow, id); err != nil {
		return err
	}
	if t.sess.Flow.Status == flow.StatusDone {
		return s.finishAsset(t)
	}
	t.sess.Flow.Review = true
	t.say(flow.MsgDupUpdate)
	return s.apply(t, flow.Resume(t.flow, t.sess.Flow, t.env))
}

// differentAsset carries on a run adding an asset after the person said
// it is not the one already on the map.
func (s *Service) differentAsset(t *turn) error {
	if t.sess.Flow.Status == flow.StatusDone {
		return s.finishAsset(t)
	}
	return s.apply(t, flow.Resume(t.flow, t.sess.Flow, t.env))
}

// fields returns the asset's fields as the run leaves them: those known,
// with the run's answers over them, less any whose question no longer
// applies.
func fields(f *flow.Flow, known, answers map[string]flow.Value) map[string]flow.Value {
	out := maps.Clone(known)
	if out == nil {
		out = map[string]flow.Value{}
	}
	maps.Copy(out, answers)
	for changed := true; changed; {
		changed = false
		for key := range out {
			if step := f.StepByKey(key); step != nil && !flow.Applies(step, flow.Env{Known: out}) {
				delete(out, key)
				changed = true
			}
		}
	}
	return out
}

// finishAsset saves the asset a run added or changed, with the links its
// answers make, and shows what the map now says.
func (s *Service) finishAsset(t *turn) error {
	f, spec := t.flow, t.flow.Asset
	a := store.Asset{ID: t.sess.Asset, Kind: f.ID, Fields: fields(f, t.env.Known, t.sess.Flow.Answers), FlowVersion: f.Version}
	// How the person knows it is theirs, kept as links, not the asset's.
	personal := map[string]flow.Value{}
	for _, key := range f.LinkKeys() {
		if v, ok := a.Fields[key]; ok {
			personal[key] = v
			delete(a.Fields, key)
		}
	}
	a.Name = a.Fields[spec.Name].Text
	if area, ok := a.Fields[spec.Area]; ok && !area.Skipped {
		a.Area, a.Point = area.Text, area.Location
	}
	if a.ID == 0 {
		created, err := t.tx.CreateAsset(a, t.person.ID)
		if err != nil {
			return err
		}
		a.ID = created.ID
		s.log.Info("asset added", "person_id", t.person.ID, "asset_id", a.ID, "kind", a.Kind)
	} else {
		switch _, err := t.tx.SaveAsset(a, t.person.ID); {
		case errors.Is(err, store.ErrNotFound):
			t.sess.Asset = 0
			t.say(flow.MsgAssetGone)
			return nil
		case err != nil:
			return err
		}
		s.log.Info("asset changed", "person_id", t.person.ID, "asset_id", a.ID, "kind", a.Kind)
	}
	if err := s.linkAsset(t, a, personal); err != nil {
		return err
	}
	s.queueNamed(t, t.sess.Flow.Answers, a.ID)
	t.sess.Asset, t.sess.Prefill = a.ID, nil
	t.asset, t.env.Known = a.ID, a.Fields
	s.showMenu(t, menuSummary, "")
	return nil
}

// linkAsset makes the links of an asset's fields: the flow's own links
// between the person and it, when the run answered what they test
// (personal), those of its lookups, and the link the lookup that named it
// asked for.
func (s *Service) linkAsset(t *turn, a store.Asset, personal map[string]flow.Value) error {
	e := ends{person: t.person.ID, this: a.ID}
	if len(personal) > 0 {
		known := maps.Clone(a.Fields)
		maps.Copy(known, personal)
		var own []store.Link
		for _, r := range t.flow.Links {
			if r.Holds(flow.Env{Known: known}) {
				own = append(own, e.link(r))
			}
		}
		if err := t.tx.ReplaceLinks(source(t.flow, a.ID, "", t.person.ID), own); err != nil {
			return err
		}
	}
	for _, step := range t.flow.Steps {
		if err := s.linkLookup(t, step, a.Fields[step.Key], e); err != nil {
			return err
		}
	}
	if then := t.sess.Then; then != nil {
		t.sess.Then = nil
		if err := t.tx.ReplaceLinks(then.Source, []store.Link{then.link(a.ID, t.person.ID)}); err != nil {
			return err
		}
	}
	return s.pointAnswer(t, a)
}

// pointAnswer makes the answer that named the asset just added point at
// it: the person's own (so going through their answers again keeps it
// rather than naming it anew) or another asset's field (a place's owner).
func (s *Service) pointAnswer(t *turn, a store.Asset) error {
	named := t.sess.Named
	t.sess.Named = nil
	if named == nil {
		return nil
	}
	f, ok := s.flows[named.Flow]
	if !ok || f.StepByKey(named.Key) == nil {
		return nil
	}
	step := f.StepByKey(named.Key)
	v := flow.Value{Asset: a.ID, Text: a.Name}
	if named.Asset == 0 {
		_, err := t.tx.SaveAnswer(t.person.ID, f.ID, flow.Answer{Key: step.Key, Step: step.ID, Value: v, Version: f.Version})
		return err
	}
	other, err := t.tx.Asset(named.Asset)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil // removed meanwhile: nothing to point
	case err != nil:
		return err
	}
	if old, ok := other.Fields[step.Key]; !ok || !old.New || old.Text != a.Name {
		return nil // answered otherwise since
	}
	other.Fields[step.Key] = v
	_, err = t.tx.SaveAsset(other, t.person.ID)
	return err
}

// assetName is the name of the asset the turn is about.
func (t *turn) assetName() string {
	return t.env.Known[t.flow.Asset.Name].Text
}

// confirmAsset records that the asset the turn is about is still right.
func (s *Service) confirmAsset(t *turn, msg string) error {
	switch err := t.tx.ConfirmAsset(t.asset); {
	case errors.Is(err, store.ErrNotFound):
		t.say(flow.MsgAssetGone)
		return nil
	case err != nil:
		return err
	}
	t.say(msg, "name", t.assetName())
	return nil
}

// openAsset shows the menu of one of the person's assets.
func (s *Service) openAsset(t *turn, id int64) error {
	pa, err := t.tx.PersonAsset(t.person.ID, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return err
	default:
		if f, ok := s.flows[pa.Asset.Kind]; ok {
			if err := s.use(t, f, id); err != nil {
				return err
			}
			s.showMenu(t, menuAsset, "")
			return nil
		}
	}
	t.say(flow.MsgAssetGone)
	return nil
}

// mayRemove reports whether removing the asset the turn is about takes it
// off the map (the person added it and nobody else is linked with it),
// rather than only the person's own links with it.
func (s *Service) mayRemove(t *turn) (bool, error) {
	a, err := t.tx.Asset(t.asset)
	if err != nil {
		return false, err
	}
	if a.AddedBy != t.person.ID {
		return false, nil
	}
	others, err := t.tx.OthersLinked(t.asset, t.person.ID)
	return others == 0, err
}

// remove takes the asset off the map, or the person's links with it.
func (s *Service) remove(t *turn) error {
	whole, err := s.mayRemove(t)
	switch {
	case errors.Is(err, store.ErrNotFound):
		t.say(flow.MsgAssetGone)
		return nil
	case err != nil:
		return err
	}
	name := t.assetName()
	if whole {
		if err := t.tx.RemoveAsset(t.asset, t.person.ID); err != nil {
			return err
		}
		s.log.Info("asset removed", "person_id", t.person.ID, "asset_id", t.asset)
		t.say(flow.MsgAssetRemoved, "name", name)
		return nil
	}
	if err := t.tx.Unlink(t.person.ID, t.asset); err != nil {
		return err
	}
	t.say(flow.MsgLinkRemoved, "name", name)
	return nil
}

// myAssets lists the person's assets, one line each: name, kind and how
// they are linked with it.
func (s *Service) myAssets(t *turn) ([]store.PersonAsset, string, error) {
	mine, err := t.tx.PersonAssets(t.person.ID)
	if err != nil {
		return nil, "", err
	}
	var b strings.Builder
	for _, pa := range mine {
		fmt.Fprintf(&b, "• %s (%s): %s\n", pa.Asset.Name, s.kindTitle(pa.Asset.Kind, t.env.Lang), s.relation(t, pa))
	}
	return mine, strings.TrimSuffix(b.String(), "\n"), nil
}

// kindTitle names a kind of asset in lang: its flow's title.
func (s *Service) kindTitle(kind, lang string) string {
	if f, ok := s.flows[kind]; ok {
		return f.Title.In(lang)
	}
	return kind
}

// relation says how the person is linked with an asset.
func (s *Service) relation(t *turn, pa store.PersonAsset) string {
	var parts []string
	if pa.Added {
		parts = append(parts, t.text(flow.MsgLinkAdded))
	}
	for _, l := range pa.Links {
		if text := t.text(flow.LinkMessage(l)); text != "" && !slices.Contains(parts, text) {
			parts = append(parts, text)
		}
	}
	return strings.Join(parts, ", ")
}
