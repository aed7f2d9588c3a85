package conversation

import (
	"strings"

	"github.com/assetbot/assetbot/internal/flow"
)

// privacy shows /privacy: each purpose the main flow asks consent for,
// with the person's choice, and a button to change each.
func (s *Service) privacy(t *turn) error {
	if err := s.use(t, s.main, 0); err != nil {
		return err
	}
	s.showMenu(t, menuPrivacy, "")
	return nil
}

// choices lists, one line each, the purposes the main flow asks consent
// for and the person's decision in force on each.
func (s *Service) choices(t *turn) (string, error) {
	decided, err := t.tx.Consents(t.person.ID)
	if err != nil {
		return "", err
	}
	var lines []string
	for _, step := range consentSteps(s.main) {
		choice := t.text(flow.MsgPrivacyUnasked)
		for _, c := range decided {
			if c.Purpose != step.Consent {
				continue
			}
			choice = t.text(flow.MsgPrivacyNo)
			if c.Granted {
				choice = t.text(flow.MsgPrivacyYes)
			}
		}
		// As the summary lists answers, in any language.
		lines = append(lines, "• "+step.ShortLabel(t.env.Lang)+": "+choice)
	}
	return strings.Join(lines, "\n"), nil
}

// consentSteps are the steps of f that ask consent, in flow order.
func consentSteps(f *flow.Flow) []*flow.Step {
	var steps []*flow.Step
	for _, q := range f.Questions() {
		if q.Consent != "" {
			steps = append(steps, q)
		}
	}
	return steps
}

// changeConsent asks the consent step for purpose again, alone, showing the
// decision in force: its answer is recorded as any other, so withdrawing the
// map is refusing it (the answers go, the refusal stays).
func (s *Service) changeConsent(t *turn, purpose string) error {
	step := s.main.ConsentStep(purpose)
	if step == nil {
		// A purpose the flow no longer asks: show what it asks now.
		s.showMenu(t, menuPrivacy, t.text(flow.MsgPickMenu))
		return nil
	}
	return s.run(t, s.main, 0, flow.Options{Only: step.Key})
}

// consentRun returns the consent step a run changed alone (from
// /privacy), or nil if st is any other run.
func (s *Service) consentRun(t *turn, st flow.State) *flow.Step {
	if !st.Only || len(st.Asked) == 0 {
		return nil
	}
	if step := t.flow.Step(st.Asked[len(st.Asked)-1]); step != nil && step.Consent != "" {
		return step
	}
	return nil
}

// consentChanged ends a change of consent made from /privacy: it says so
// and shows the choices as they are now. Someone who has just agreed to
// the map with no answers held is told how to give them.
func (s *Service) consentChanged(t *turn, step *flow.Step) {
	t.say(flow.MsgPrivacySaved)
	if step.Required && !s.hasAnswers(t) {
		t.say(flow.MsgPrivacyStart)
	}
	s.showMenu(t, menuPrivacy, "")
}

// underAge keeps nothing of a person who said they are under the minimum
// age: they are erased as /delete would (see store.Tx.Erase), not even
// counted for the link they came through, and nothing more is saved for
// this event. They are told kindly; a later message starts afresh, as
// anyone new does, since remembering them would mean keeping something.
func (s *Service) underAge(t *turn, r flow.Result) error {
	if err := t.tx.Unattribute(t.person.ID); err != nil {
		return err
	}
	if err := s.eraseQuietly(t); err != nil {
		return err
	}
	// Not even their store id is logged: it would outlive them.
	s.log.Info("under the minimum age: nothing kept")
	s.prompts(t, r)
	return nil
}
