package flow

// Messages holds the engine's own wording: retry messages and button labels.
// A flow may override any of them under its `messages:` key, per language.
type Messages map[string]Text

// The message ids the engine uses. Placeholders in braces are filled in by
// the engine (see fill).
const (
	MsgNotANumber  = "not_a_number"
	MsgWholeNumber = "whole_number"
	MsgTooSmall    = "too_small"
	MsgTooBig      = "too_big"
	MsgTooShort    = "too_short"
	MsgTooLong     = "too_long"
	MsgEmpty       = "empty"
	MsgPickOption  = "pick_option"
	MsgPickAtLeast = "pick_at_least"
	MsgPickAtMost  = "pick_at_most"
	MsgYesOrNo     = "yes_or_no"
	MsgLocation    = "location"
	MsgBadLocation = "bad_location"
	MsgCannotSkip  = "cannot_skip"
	MsgFirstStep   = "first_step"
	MsgNoMatch     = "no_match"
	MsgOtherPrompt = "other_prompt"
	MsgPaused      = "paused"
	MsgButtonYes   = "yes"
	MsgButtonNo    = "no"
	MsgButtonDone  = "done"
	MsgButtonBack  = "back"
	MsgButtonSkip  = "skip"
	MsgButtonKeep  = "keep"
	MsgButtonOther = "other"
	MsgSkipped     = "skipped"
	MsgCurrent     = "current"
	MsgNotAnswered = "not_answered"
)

// defaultMessages are the built-in English (and, as an example of how a
// flow overrides them, nothing else) wordings.
var defaultMessages = Messages{
	MsgNotANumber:  {"en": "Please send a number, like 3."},
	MsgWholeNumber: {"en": "Please send a whole number, like 3."},
	MsgTooSmall:    {"en": "That's below {min}. Please send a number from {min}."},
	MsgTooBig:      {"en": "That's more than {max}. Please send a number up to {max}."},
	MsgTooShort:    {"en": "That's a bit short: please write at least {min} characters."},
	MsgTooLong:     {"en": "That's a bit long: please keep it to {max} characters at most."},
	MsgEmpty:       {"en": "I didn't catch an answer there. Please type a reply."},
	MsgPickOption:  {"en": "Please pick one of the options (tap a button or send its number)."},
	MsgPickAtLeast: {"en": "Please pick at least {min}, then press Done."},
	MsgPickAtMost:  {"en": "Please pick no more than {max}."},
	MsgYesOrNo:     {"en": "Please answer yes or no."},
	MsgLocation:    {"en": "Please share a location with the button, or type the place."},
	MsgBadLocation: {"en": "That location doesn't look right. Please share it again or type the place."},
	MsgCannotSkip:  {"en": "This one needs an answer, sorry: it can't be skipped."},
	MsgFirstStep:   {"en": "This is the first question, so there's nothing to go back to."},
	MsgNoMatch:     {"en": "Sorry, that's not one of the options."},
	MsgOtherPrompt: {"en": "What else? Type it in a few words."},
	MsgPaused:      {"en": "Paused. Your answers so far are saved: send /start whenever you want to carry on."},
	MsgButtonYes:   {"en": "Yes"},
	MsgButtonNo:    {"en": "No"},
	MsgButtonDone:  {"en": "Done"},
	MsgButtonBack:  {"en": "« Back"},
	MsgButtonSkip:  {"en": "Skip »"},
	MsgButtonKeep:  {"en": "Keep: {answer}"},
	MsgButtonOther: {"en": "Something else…"},
	MsgSkipped:     {"en": "(skipped)"},
	MsgCurrent:     {"en": "Your answer so far: {answer}"},
	MsgNotAnswered: {"en": "(not answered)"},
}

// Msg returns message id in lang, the flow's own wording first, then the
// built-in one, each falling back to English.
func (f *Flow) Msg(id, lang string) string {
	if t, ok := f.Messages[id]; ok {
		if s := t.In(lang); s != "" {
			return s
		}
	}
	return defaultMessages[id].In(lang)
}

// DefaultMessage reports whether id names a built-in message.
func DefaultMessage(id string) bool {
	_, ok := defaultMessages[id]
	return ok
}
