package conversation

import (
	"errors"
	"strconv"
	"strings"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// The menus offered around a flow.
const (
	menuResume  = "resume"   // part-way through: carry on or start again
	menuReview  = "review"   // what we hold: still right, change, again, delete
	menuSummary = "summary"  // the flow just ended: what you said, fine or change
	menuChange  = "change"   // which answer to change
	menuDelete  = "delete"   // are you sure?
	menuLang    = "language" // which language
	menuAdd     = "add"      // /add: which kind of asset
	menuOffer   = "offer"    // the end of the main flow: anything to add to the map?
	menuDup     = "dup"      // an asset being added is already on the map: the same one?
	menuMine    = "mine"     // the person's assets
	menuAsset   = "asset"    // one of them: still right, change, remove
	menuRemove  = "remove"   // are you sure?
	menuPrivacy = "privacy"  // /privacy: each consent and the choice made
)

// Menu actions. A change menu's actions are changePrefix + answer key; the
// others' prefixes are followed by a flow or asset id.
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
	actMine        = "mine"
	actNoThanks    = "no_thanks"
	actDifferent   = "different"
	actRemove      = "remove"
	actRemoveYes   = "remove_yes"
	changePrefix   = "q_"
	langPrefix     = "lang_"
	addPrefix      = "add_"
	samePrefix     = "same_"
	assetPrefix    = "asset_"
	privacyPrefix  = "consent_"
	maxMenuChoices = 24
)

// showMenu asks the person to choose from a menu about the turn's flow
// (and asset).
func (s *Service) showMenu(t *turn, menu, problem string) {
	t.sess.Menu, t.sess.MenuFlow, t.sess.MenuAsset = menu, t.flow.ID, t.asset
	t.sess.Flow.Turn++
	t.reply.Messages = append(t.reply.Messages, Message{Menu: menu, Prompt: flow.Prompt{
		Type: flow.TypeChoice, Turn: t.sess.Flow.Turn, Text: s.menuText(t, menu), Options: s.menuOptions(t, menu), Problem: problem,
	}})
}

// menuText is what a menu says above its options.
func (s *Service) menuText(t *turn, menu string) string {
	switch menu {
	case menuResume:
		return t.text(flow.MsgResume)
	case menuReview:
		return t.text(flow.MsgReview, "summary", s.summary(t))
	case menuSummary:
		if t.flow.Asset != nil {
			return t.text(flow.MsgAssetSummary, "name", t.assetName(), "summary", s.summary(t))
		}
		return t.text(flow.MsgSummary, "summary", s.summary(t))
	case menuChange:
		return t.text(flow.MsgChange)
	case menuDelete:
		return t.text(flow.MsgDelete)
	case menuLang:
		return t.text(flow.MsgLanguageMenu)
	case menuAdd:
		return t.text(flow.MsgAddMenu)
	case menuOffer:
		return t.text(flow.MsgAddOffer)
	case menuDup:
		same := s.same(t)
		if len(same) > 1 {
			// The options name each one; naming only the first here
			// would ask about one and offer several.
			name, _ := t.runValue(t.flow.Asset.Name)
			return t.text(flow.MsgDuplicates, "name", name.Text)
		}
		existing := ""
		if len(same) > 0 {
			existing = same[0].Label()
		}
		return t.text(flow.MsgDuplicate, "existing", existing)
	case menuMine:
		_, list, err := s.myAssets(t)
		if err != nil {
			s.log.Error("list assets", "person_id", t.person.ID, "err", err)
		}
		return t.text(flow.MsgMyAssets, "list", list)
	case menuAsset:
		return t.text(flow.MsgAssetMenu, "name", t.assetName(), "kind", t.flow.Title.In(t.env.Lang),
			"links", s.assetRelation(t), "summary", s.summary(t))
	case menuPrivacy:
		choices, err := s.choices(t)
		if err != nil {
			s.log.Error("list consents", "person_id", t.person.ID, "err", err)
		}
		return t.text(flow.MsgPrivacy, "choices", choices)
	case menuRemove:
		if whole, err := s.mayRemove(t); err == nil && !whole {
			return t.text(flow.MsgRemoveLink, "name", t.assetName())
		}
		return t.text(flow.MsgRemoveAsset, "name", t.assetName())
	}
	return ""
}

// assetRelation says how the person is linked with the turn's asset.
func (s *Service) assetRelation(t *turn) string {
	pa, err := t.tx.PersonAsset(t.person.ID, t.asset)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Error("read asset", "person_id", t.person.ID, "asset_id", t.asset, "err", err)
		}
		return ""
	}
	return s.relation(t, pa)
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
			if has, err := t.tx.HasAssets(t.person.ID); err == nil && has {
				options = append(options, choice(actMine, flow.MsgMenuMyAssets))
			}
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
	case menuAdd, menuOffer:
		var options []flow.Choice
		for _, f := range s.kinds {
			options = append(options, flow.Choice{ID: addPrefix + f.ID, Label: f.Title.In(t.env.Lang)})
		}
		if menu == menuOffer {
			options = append(options, choice(actNoThanks, flow.MsgMenuNoThanks))
		}
		return options
	case menuDup:
		same := s.same(t)
		var options []flow.Choice
		for _, c := range same {
			label := t.text(flow.MsgMenuDupSame)
			if len(same) > 1 {
				label = c.Label()
			}
			options = append(options, flow.Choice{ID: samePrefix + strconv.FormatInt(c.ID, 10), Label: label})
		}
		return append(options, choice(actDifferent, flow.MsgMenuDupOther))
	case menuMine:
		mine, _, err := s.myAssets(t)
		if err != nil {
			return nil
		}
		var options []flow.Choice
		for _, pa := range mine {
			if len(options) == maxMenuChoices {
				break
			}
			options = append(options, flow.Choice{ID: assetPrefix + strconv.FormatInt(pa.Asset.ID, 10), Label: pa.Asset.Name})
		}
		return options
	case menuAsset:
		return []flow.Choice{choice(actConfirm, flow.MsgMenuStillTrue), choice(actChange, flow.MsgMenuChangeAnswer), choice(actRemove, flow.MsgMenuRemove)}
	case menuPrivacy:
		var options []flow.Choice
		for _, step := range consentSteps(s.main) {
			options = append(options, flow.Choice{ID: privacyPrefix + step.Consent, Label: t.text(flow.MsgMenuPrivacyChange, "purpose", step.ShortLabel(t.env.Lang))})
		}
		return options
	case menuRemove:
		return []flow.Choice{choice(actRemoveYes, flow.MsgMenuRemoveYes), choice(actDeleteNo, flow.MsgMenuDeleteNo)}
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
		// A button no longer among the options (the map changed under a
		// menu of assets) gets the menu as it is now, as a new message; a
		// typed answer that matches nothing gets it again with the problem.
		t.reply.Outcome = flow.OutcomeInvalid
		if in.Kind == flow.InputOption {
			t.reply.Outcome = flow.OutcomeAsked
		}
		if menu == menuDup && len(options) == 1 {
			// What it was taken for is no longer on the map: carry on.
			t.sess.Menu = ""
			return s.differentAsset(t)
		}
		s.showMenu(t, menu, t.text(flow.MsgPickMenu))
		return nil
	}
	t.reply.Outcome = flow.OutcomeAsked
	t.sess.Menu = ""
	return s.act(t, menu, action)
}

// act carries out a menu's action.
func (s *Service) act(t *turn, menu, action string) error {
	switch {
	case action == actContinue:
		return s.resume(t)
	case action == actRestart || action == actAgain:
		return s.run(t, t.flow, t.asset, flow.Options{Review: true})
	case action == actConfirm:
		return s.confirm(t, menu)
	case action == actChange:
		s.showMenu(t, menuChange, "")
	case action == actBackToMenu && t.flow.Asset != nil:
		s.showMenu(t, menuAsset, "")
	case action == actBackToMenu:
		s.showMenu(t, menuReview, "")
	case action == actDelete:
		s.showMenu(t, menuDelete, "")
	case action == actDeleteYes:
		return s.erase(t)
	case action == actDeleteNo:
		t.say(flow.MsgKept)
	case action == actMine:
		s.showMenu(t, menuMine, "")
	case action == actNoThanks:
		t.say(flow.MsgAddNothing)
	case action == actDifferent:
		return s.differentAsset(t)
	case action == actRemove:
		s.showMenu(t, menuRemove, "")
	case action == actRemoveYes:
		return s.remove(t)
	case strings.HasPrefix(action, changePrefix):
		return s.run(t, t.flow, t.asset, flow.Options{Only: strings.TrimPrefix(action, changePrefix)})
	case strings.HasPrefix(action, langPrefix):
		return s.chooseLanguage(t, strings.TrimPrefix(action, langPrefix))
	case strings.HasPrefix(action, addPrefix):
		return s.add(t, s.flows[strings.TrimPrefix(action, addPrefix)])
	case strings.HasPrefix(action, samePrefix):
		id, _ := strconv.ParseInt(strings.TrimPrefix(action, samePrefix), 10, 64)
		return s.sameAsset(t, id)
	case strings.HasPrefix(action, privacyPrefix):
		return s.changeConsent(t, strings.TrimPrefix(action, privacyPrefix))
	case strings.HasPrefix(action, assetPrefix):
		id, _ := strconv.ParseInt(strings.TrimPrefix(action, assetPrefix), 10, 64)
		return s.openAsset(t, id)
	}
	return nil
}

// confirm carries out "all still right" on a menu: about an asset, or the
// person's own answers. At the end of a run it goes on to the next run
// planned; at the end of the main flow it also gives the person's link to
// invite others and offers to add to the map.
func (s *Service) confirm(t *turn, menu string) error {
	if t.flow.Asset != nil {
		msg := flow.MsgAssetConfirmed
		if menu == menuSummary {
			msg = flow.MsgAssetSaved
		}
		if err := s.confirmAsset(t, msg); err != nil || menu != menuSummary {
			return err
		}
		_, err := s.next(t)
		return err
	}
	if err := s.confirmAll(t); err != nil {
		return err
	}
	if menu != menuSummary {
		t.say(flow.MsgConfirmed)
		return nil
	}
	code, err := s.inviteCode(t)
	if err != nil {
		return err
	}
	t.reply.Messages = append(t.reply.Messages, Message{Prompt: flow.Prompt{Type: flow.TypeInfo, Text: t.text(flow.MsgConfirmed)}, Invite: code})
	// A change of one answer does not offer more.
	changed := t.sess.Flow.Only
	started, err := s.next(t)
	if err == nil && !started && !changed && t.flow == s.main && len(s.kinds) > 0 {
		s.showMenu(t, menuOffer, "")
	}
	return err
}

// resume carries on the run in the session, asking its question again.
func (s *Service) resume(t *turn) error {
	if err := s.use(t, s.runFlow(t), t.sess.Asset); err != nil {
		return err
	}
	return s.apply(t, flow.Resume(t.flow, t.sess.Flow, t.env))
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
		return s.resume(t)
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
