package conversation

import (
	"strings"

	"github.com/assetbot/assetbot/internal/flow"
)

// The menus offered around a flow.
const (
	menuResume  = "resume"  // part-way through: carry on or start again
	menuReview  = "review"  // what we hold: still right, change, again, delete
	menuSummary = "summary" // the flow just ended: what you said, fine or change
	menuChange  = "change"  // which answer to change
	menuDelete  = "delete"  // are you sure?
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
	maxMenuChoices = 24
)

// The conversation's own wording. {first_name} is filled in.
const (
	textHelp = "I'm collecting what people round here are happy to share: skills, passions and a bit of time.\n\n" +
		"/start: begin, or carry on where you left off\n" +
		"/back: go back a question\n" +
		"/skip: skip a question that's optional\n" +
		"/cancel: pause; your answers so far are kept\n" +
		"/me: see, change or delete what you've told me\n" +
		"/stop: no more reminders from me\n" +
		"/help: this message"
	textStopped        = "OK, {first_name}: no more reminders from me. Your answers stay as they are; send /me to change or delete them."
	textNothingHeld    = "I don't hold any answers from you yet. Send /start to begin."
	textNothingOpen    = "There's no question open right now. Send /start to begin, or /me to see your answers."
	textDoneAlready    = "Thanks, {first_name}, you've answered everything. Send /me to see or change your answers."
	textResume         = "Welcome back, {first_name}! You're part-way through. Carry on where you left off, or start again?"
	textReview         = "Welcome back, {first_name}! Here's what you've told me:\n\n{summary}\n\nIs it all still right?"
	textSummary        = "Here's what you told me:\n\n{summary}\n\nDoes that look right?"
	textChange         = "Which answer would you like to change?"
	textDelete         = "This deletes all your answers and your name from the map. It can't be undone. Delete everything?"
	textDeleted        = "Done: I've deleted your answers. If you ever want to take part again, send /start."
	textKept           = "OK, nothing deleted."
	textClosed         = "OK. Send /me whenever you want to see or change your answers."
	textNewQuestions   = "Welcome back, {first_name}! There's something new I'd like to ask."
	textDeclinedBefore = "You said no earlier, so I'm not keeping anything about you. If you change your mind, send /start."
	textConfirmed      = "Thank you, {first_name}! That's all saved. Send /me any time to see or change it."
	textPickMenu       = "Please pick one of the options."
)

// showMenu asks the person to choose from a menu.
func (s *Service) showMenu(t *turn, menu, problem string) {
	var text string
	switch menu {
	case menuResume:
		text = textResume
	case menuReview:
		text = strings.ReplaceAll(textReview, "{summary}", s.summary(t))
	case menuSummary:
		text = strings.ReplaceAll(textSummary, "{summary}", s.summary(t))
	case menuChange:
		text = textChange
	case menuDelete:
		text = textDelete
	}
	t.sess.Menu = menu
	t.sess.Flow.Turn++
	t.reply.Messages = append(t.reply.Messages, Message{Menu: menu, Prompt: flow.Prompt{
		Type: flow.TypeChoice, Turn: t.sess.Flow.Turn, Text: fillName(text, t.env.FirstName), Options: menuOptions(t, menu), Problem: problem,
	}})
}

// menuOptions are the actions a menu offers.
func menuOptions(t *turn, menu string) []flow.Choice {
	switch menu {
	case menuResume:
		return []flow.Choice{{ID: actContinue, Label: "▶️ Carry on"}, {ID: actRestart, Label: "🔁 Start again"}}
	case menuReview, menuSummary:
		options := []flow.Choice{{ID: actConfirm, Label: "✅ All right"}, {ID: actChange, Label: "✏️ Change an answer"}}
		if menu == menuReview {
			options = append(options, flow.Choice{ID: actAgain, Label: "🔁 Go through it all"}, flow.Choice{ID: actDelete, Label: "🗑 Delete my answers"})
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
		return append(options, flow.Choice{ID: actBackToMenu, Label: "« Back"})
	case menuDelete:
		return []flow.Choice{{ID: actDeleteYes, Label: "Yes, delete everything"}, {ID: actDeleteNo, Label: "No, keep them"}}
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
	options := menuOptions(t, menu)

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
		t.say(textClosed)
		return nil
	}
	if action == "" {
		t.reply.Outcome = flow.OutcomeInvalid
		s.showMenu(t, menu, textPickMenu)
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
		t.say(textConfirmed)
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
		t.say(textDeleted)
	case action == actDeleteNo:
		t.say(textKept)
	case strings.HasPrefix(action, changePrefix):
		return s.run(t, flow.Options{Only: strings.TrimPrefix(action, changePrefix)})
	}
	return nil
}

// confirmAll marks every answer the person holds as still true now.
func (s *Service) confirmAll(t *turn) error {
	_, err := t.tx.ConfirmAnswers(t.person.ID, t.flow.ID)
	return err
}
