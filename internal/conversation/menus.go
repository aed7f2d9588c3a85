package conversation

import (
	"strings"

	"github.com/assetbot/assetbot/internal/flow"
)

// The menus offered around a flow.
const (
	menuResume  = "resume"   // part-way through: carry on or start again
	menuReview  = "review"   // what we hold: still right, change, again, delete
	menuSummary = "summary"  // the flow just ended: what you said, fine or change
	menuChange  = "change"   // which answer to change
	menuDelete  = "delete"   // are you sure?
	menuLang    = "language" // which language
)

// Menu actions. A change menu's actions are changePrefix + answer key.
const (
	actContinue    = "continue"
	actRestart     = "restart"
	actConfirm     = "confirm"
	actChange      = "change"
	actAgain       = "again"
	actDelete      = "delete"
	actDeleteYes   = "delete_yes"
	actDeleteNo    = "delete_no"
	actBackToMenu  = "menu"
	changePrefix   = "q_"
	langPrefix     = "lang_"
	maxMenuChoices = 24
)

// showMenu asks the person to choose from a menu.
func (s *Service) showMenu(t *turn, menu, problem string) {
	var text string
	switch menu {
	case menuResume:
		text = t.text(flow.MsgResume)
	case menuReview:
		text = t.text(flow.MsgReview, "summary", s.summary(t))
	case menuSummary:
		text = t.text(flow.MsgSummary, "summary", s.summary(t))
	case menuChange:
		text = t.text(flow.MsgChange)
	case menuDelete:
		text = t.text(flow.MsgDelete)
	case menuLang:
		text = t.text(flow.MsgLanguageMenu)
	}
	t.sess.Menu = menu
	t.sess.Flow.Turn++
	t.reply.Messages = append(t.reply.Messages, Message{Menu: menu, Prompt: flow.Prompt{
		Type: flow.TypeChoice, Turn: t.sess.Flow.Turn, Text: text, Options: s.menuOptions(t, menu), Problem: problem,
	}})
}

// menuOptions are the actions a menu offers.
func (s *Service) menuOptions(t *turn, menu string) []flow.Choice {
	choice := func(id, msg string) flow.Choice { return flow.Choice{ID: id, Label: t.text(msg)} }
	switch menu {
	case menuResume:
		return []flow.Choice{choice(actContinue, flow.MsgMenuCarryOn), choice(actRestart, flow.MsgMenuStartAgain)}
	case menuReview, menuSummary:
		options := []flow.Choice{choice(actConfirm, flow.MsgMenuAllRight), choice(actChange, flow.MsgMenuChangeAnswer)}
		if menu == menuReview {
			options = append(options, choice(actAgain, flow.MsgMenuGoThrough), choice(actDelete, flow.MsgMenuDeleteAll))
		}
		return options
	case menuChange:
		var options []flow.Choice
		for _, q := range t.flow.Questions() {
			if q.Consent != "" || !flow.Applies(q, t.env) || len(options) == maxMenuChoices-1 {
				continue
			}
			options = append(options, flow.Choice{ID: changePrefix + q.Key, Label: q.ShortLabel(t.env.Lang)})
		}
		return append(options, choice(actBackToMenu, flow.MsgButtonBack))
	case menuDelete:
		return []flow.Choice{choice(actDeleteYes, flow.MsgMenuDeleteYes), choice(actDeleteNo, flow.MsgMenuDeleteNo)}
	case menuLang:
		// Each language in its own name, so a person finds theirs whatever
		// language they are shown now.
		var options []flow.Choice
		for _, lang := range s.main.Languages() {
			options = append(options, flow.Choice{ID: langPrefix + lang, Label: s.main.Msg(flow.MsgLanguageName, lang)})
		}
		return options
	}
	return nil
}

// menuInput handles a choice (pressed or typed) on the open menu.
func (s *Service) menuInput(t *turn, in flow.Input) error {
	if in.Turn != 0 && in.Turn != t.sess.Flow.Turn {
		t.reply.Stale = true
		return nil
	}
	menu := t.sess.Menu
	options := s.menuOptions(t, menu)

	var action string
	switch in.Kind {
	case flow.InputOption:
		for _, o := range options {
			if o.ID == in.Option {
				action = o.ID
				t.reply.Echo = o.Label
			}
		}
	case flow.InputText:
		action, _ = flow.MatchChoice(options, in.Text)
		for _, o := range options {
			if o.ID == action {
				t.reply.Echo = o.Label
			}
		}
	case flow.InputCancel:
		t.sess.Menu = ""
		t.say(flow.MsgClosed)
		return nil
	}
	if action == "" {
		t.reply.Outcome = flow.OutcomeInvalid
		s.showMenu(t, menu, t.text(flow.MsgPickMenu))
		return nil
	}
	t.reply.Outcome = flow.OutcomeAsked
	t.sess.Menu = ""
	switch {
	case action == actContinue:
		return s.apply(t, flow.Resume(t.flow, t.sess.Flow, t.env))
	case action == actRestart || action == actAgain:
		return s.run(t, flow.Options{Review: true})
	case action == actConfirm:
		if err := s.confirmAll(t); err != nil {
			return err
		}
		t.say(flow.MsgConfirmed)
		if menu == menuSummary {
			// The end of the flow: their link to bring others.
			return s.invite(t)
		}
	case action == actChange:
		s.showMenu(t, menuChange, "")
	case action == actBackToMenu:
		s.showMenu(t, menuReview, "")
	case action == actDelete:
		s.showMenu(t, menuDelete, "")
	case action == actDeleteYes:
		if err := s.forget(t); err != nil {
			return err
		}
		t.sess.Flow = flow.State{Turn: t.sess.Flow.Turn}
		t.say(flow.MsgDeleted)
	case action == actDeleteNo:
		t.say(flow.MsgKept)
	case strings.HasPrefix(action, changePrefix):
		return s.run(t, flow.Options{Only: strings.TrimPrefix(action, changePrefix)})
	case strings.HasPrefix(action, langPrefix):
		return s.chooseLanguage(t, strings.TrimPrefix(action, langPrefix))
	}
	return nil
}

// chooseLanguage keeps the person's choice of language, which from now on
// wins over what their channel says, and asks any open question again in it.
func (s *Service) chooseLanguage(t *turn, lang string) error {
	t.person.Language, t.person.LanguageChosen = lang, true
	if err := t.tx.UpdatePerson(t.person); err != nil {
		return err
	}
	t.env.Lang = lang
	t.say(flow.MsgLanguageChosen)
	if t.sess.Flow.Status == flow.StatusActive {
		return s.apply(t, flow.Resume(t.flow, t.sess.Flow, t.env))
	}
	return nil
}

// confirmAll marks every answer the person holds as still true now.
func (s *Service) confirmAll(t *turn) error {
	if _, err := t.tx.ConfirmAnswers(t.person.ID, t.flow.ID); err != nil {
		return err
	}
	return t.tx.ConfirmEntry(t.person.ID)
}
