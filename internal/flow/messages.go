package flow

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/assetbot/assetbot/flows"
)

// Messages holds wordings by message id. The built-in catalogue
// (flows/messages.yaml) holds every id in English and the shipped
// languages; a messages.yaml in a flows folder and a flow's own `messages:`
// block override it, per id and language.
type Messages map[string]Text

// The message ids. Every word a person sees that a flow does not hold
// itself has one; the texts live in the catalogue, not here. Placeholders
// in braces are filled in where the message is used.
const (
	// The engine's retry messages and button labels.
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
	MsgNoName      = "no_name"
	// The age check of a consent step: its buttons, and what someone under
	// the minimum age is told.
	MsgButtonYesOfAge = "yes_of_age"
	MsgButtonUnderAge = "under_age"
	MsgUnderAge       = "under_age_message"

	// The conversation's replies, menus and help.
	MsgHelp             = "help"
	MsgStopped          = "stopped"
	MsgNothingHeld      = "nothing_held"
	MsgNothingOpen      = "nothing_open"
	MsgDoneAlready      = "done_already"
	MsgResume           = "resume"
	MsgReview           = "review"
	MsgSummary          = "summary"
	MsgChange           = "change"
	MsgDelete           = "delete"
	MsgDeleted          = "deleted"
	MsgKept             = "kept"
	MsgClosed           = "closed"
	MsgNewQuestions     = "new_questions"
	MsgDeclinedBefore   = "declined_before"
	MsgConfirmed        = "confirmed"
	MsgPickMenu         = "pick_menu"
	MsgMenuCarryOn      = "menu_carry_on"
	MsgMenuStartAgain   = "menu_start_again"
	MsgMenuAllRight     = "menu_all_right"
	MsgMenuChangeAnswer = "menu_change_answer"
	MsgMenuGoThrough    = "menu_go_through"
	MsgMenuDeleteAll    = "menu_delete_answers"
	MsgMenuDeleteYes    = "menu_delete_yes"
	MsgMenuDeleteNo     = "menu_delete_no"
	MsgLanguageMenu     = "language_menu"
	MsgLanguageName     = "language_name"
	MsgLanguageChosen   = "language_chosen"
	// /privacy: each consent and the person's choice, to change.
	MsgPrivacy           = "privacy"
	MsgPrivacyYes        = "privacy_yes"
	MsgPrivacyNo         = "privacy_no"
	MsgPrivacyUnasked    = "privacy_unasked"
	MsgMenuPrivacyChange = "menu_privacy_change"
	MsgPrivacySaved      = "privacy_saved"
	MsgPrivacyStart      = "privacy_start"
	// The privacy notice (README, `assetbot privacy-notice`): what it says
	// around the consent texts, and what each command does with one's data.
	MsgNoticeIntro    = "notice_intro"
	MsgNoticeRequired = "notice_required"
	MsgNoticeOptional = "notice_optional"
	MsgNoticeAnswers  = "notice_answers"
	MsgNoticeAge      = "notice_age"
	MsgNoticeRights   = "notice_rights"
	MsgNoticePrivacy  = "notice_privacy"
	MsgNoticeMe       = "notice_me"
	MsgNoticeMyData   = "notice_mydata"
	MsgNoticeDelete   = "notice_delete"
	MsgNoticeShown    = "notice_shown"
	MsgNoticeKept     = "notice_kept"
	// Reminders: the messages the bot sends first, and their buttons.
	MsgNudge         = "nudge"
	MsgRefresh       = "refresh"
	MsgMenuStillTrue = "menu_still_true"
	MsgMenuUpdate    = "menu_update"
	MsgMenuRemoveMe  = "menu_remove_me"
	MsgStillTrue     = "still_true"
	MsgRemindersBack = "reminders_back"
	// MsgRetentionWarning tells a person their stale entry will be
	// deleted on {date} unless they confirm it.
	MsgRetentionWarning = "retention_warning"

	// The Telegram adapter's own words.
	MsgMovedOn        = "moved_on"
	MsgShareLocation  = "share_location"
	MsgTypePlace      = "type_place"
	MsgTypeAnswer     = "type_answer"
	MsgTypeNumber     = "type_number"
	MsgGotLocation    = "got_location"
	MsgUnknownCommand = "unknown_command"
	MsgOtherBot       = "other_bot"
	MsgEdited         = "edited"
	MsgContact        = "contact"
	MsgBadButton      = "bad_button"
	MsgInlineButton   = "inline_button"
	MsgTrouble        = "trouble"
	MsgCantRead       = "cant_read"
	MsgMediaStickers  = "media_stickers"
	MsgMediaPhotos    = "media_photos"
	MsgMediaVoice     = "media_voice"
	MsgMediaVideos    = "media_videos"
	MsgMediaAudio     = "media_audio"
	MsgMediaFiles     = "media_files"
	MsgMediaDice      = "media_dice"
	MsgMediaPolls     = "media_polls"
	MsgMediaOther     = "media_other"
	MsgCmdStart       = "cmd_start"
	MsgCmdBack        = "cmd_back"
	MsgCmdSkip        = "cmd_skip"
	MsgCmdCancel      = "cmd_cancel"
	MsgCmdMe          = "cmd_me"
	MsgCmdDelete      = "cmd_delete"
	MsgCmdLanguage    = "cmd_language"
	MsgCmdStop        = "cmd_stop"
	MsgCmdHelp        = "cmd_help"
	MsgCmdInvite      = "cmd_invite"
	MsgCmdAdd         = "cmd_add"
	MsgCmdPrivacy     = "cmd_privacy"
	MsgCmdMyData      = "cmd_mydata"
	MsgCmdNeighbours  = "cmd_neighbours"
	// Volunteers and invitations.
	MsgInvite         = "invite"
	MsgInviteCaption  = "invite_caption"
	MsgVolunteerAdded = "volunteer_added"
	MsgVolunteerUsage = "volunteer_usage"
	MsgVolunteerName  = "volunteer_name"
	MsgVolunteersNone = "volunteers_none"
	MsgVolunteersLine = "volunteers_line"
	MsgMyStats        = "my_stats"
	MsgNotVolunteer   = "not_volunteer"

	// Organisers: finding people and assets, the aim, totals, introductions.
	MsgFindUsage            = "find_usage"
	MsgFindTooLong          = "find_too_long"
	MsgFindNone             = "find_none"
	MsgFindPage             = "find_page"
	MsgFindByName           = "find_by_name"
	MsgMatchHead            = "match_head"
	MsgMatchNoAim           = "match_no_aim"
	MsgStats                = "stats"
	MsgStatsNone            = "stats_none"
	MsgAreaUnknown          = "area_unknown"
	MsgButtonNext           = "button_next"
	MsgButtonPrevious       = "button_previous"
	MsgButtonIntroduce      = "button_introduce"
	MsgPageGone             = "page_gone"
	MsgIntroduceWrite       = "introduce_write"
	MsgIntroduceGone        = "introduce_gone"
	MsgIntroduceNoContact   = "introduce_no_contact"
	MsgIntroduceTooLong     = "introduce_too_long"
	MsgIntroduceSent        = "introduce_sent"
	MsgIntroduction         = "introduction"
	MsgButtonShare          = "button_share"
	MsgButtonNoThanks       = "button_no_thanks"
	MsgIntroductionShared   = "introduction_shared"
	MsgIntroductionUsername = "introduction_shared_username"
	MsgIntroductionDeclined = "introduction_declined"
	MsgIntroductionThanks   = "introduction_thanks_shared"
	MsgIntroductionNoThanks = "introduction_thanks_declined"
	MsgIntroductionClosed   = "introduction_closed"

	// Residents: /neighbours, the neighbours who agreed to be shown.
	MsgNeighboursStart  = "neighbours_start"
	MsgNeighboursOff    = "neighbours_off"
	MsgNeighboursNone   = "neighbours_none"
	MsgNeighboursWords  = "neighbours_words"
	MsgNeighboursWanted = "neighbours_wanted"
	MsgNeighboursNewest = "neighbours_newest"
	MsgNeighboursMeet   = "neighbours_meet"

	// The whole map: lookups, adding assets, the person's own entries.
	MsgLookupType     = "lookup_type"
	MsgNameLetters    = "name_letters"
	MsgLookupFound    = "lookup_found"
	MsgLookupMore     = "lookup_more"
	MsgLookupNew      = "lookup_new"
	MsgLookupLater    = "lookup_later"
	MsgLookupNext     = "lookup_next"
	MsgAddMenu        = "add_menu"
	MsgAddOffer       = "add_offer"
	MsgMenuNoThanks   = "menu_no_thanks"
	MsgAddNothing     = "add_nothing"
	MsgDuplicate      = "duplicate"
	MsgDuplicates     = "duplicates"
	MsgMenuDupSame    = "menu_dup_same"
	MsgMenuDupOther   = "menu_dup_different"
	MsgDupUpdate      = "dup_update"
	MsgAssetSummary   = "asset_summary"
	MsgAssetSaved     = "asset_saved"
	MsgMenuMyAssets   = "menu_my_assets"
	MsgMyAssets       = "my_assets"
	MsgNoAssets       = "no_assets"
	MsgAssetMenu      = "asset_menu"
	MsgMenuRemove     = "menu_remove"
	MsgRemoveAsset    = "remove_asset"
	MsgRemoveLink     = "remove_link"
	MsgMenuRemoveYes  = "menu_remove_yes"
	MsgAssetRemoved   = "asset_removed"
	MsgLinkRemoved    = "link_removed"
	MsgAssetConfirmed = "asset_confirmed"
	MsgAssetGone      = "asset_gone"
	MsgLinkAdded      = "link_added"
	MsgRefreshAsset   = "refresh_asset"

	// The organisers' weekly digest.
	MsgDigestTitle     = "digest_title"
	MsgDigestNew       = "digest_new"
	MsgDigestKinds     = "digest_kinds"
	MsgDigestTop       = "digest_top"
	MsgDigestTopNew    = "digest_top_new"
	MsgDigestAim       = "digest_aim"
	MsgDigestAimNone   = "digest_aim_none"
	MsgDigestGaps      = "digest_gaps"
	MsgDigestVolunteer = "digest_volunteer"
	MsgDigestRefresh   = "digest_refresh"
	MsgDigestDropOff   = "digest_drop_off"
	MsgDigestNone      = "digest_none"
	MsgChartPeople     = "chart_people"
	MsgChartAssets     = "chart_assets"

	// The organisers' /export.
	MsgExportChoose  = "export_choose"
	MsgExportUnknown = "export_unknown"
	MsgExportMaking  = "export_making"
	MsgExportTooBig  = "export_too_big"
	MsgExportFailed  = "export_failed"

	// A person's own data (/mydata): everything held about them.
	MsgMyDataNone            = "mydata_none"
	MsgMyDataWait            = "mydata_wait"
	MsgMyDataHead            = "mydata_head"
	MsgMyDataPerson          = "mydata_person"
	MsgMyDataNotYet          = "mydata_not_yet"
	MsgMyDataAnswers         = "mydata_answers"
	MsgMyDataEarlier         = "mydata_earlier"
	MsgMyDataWithdrawn       = "mydata_withdrawn"
	MsgMyDataAssets          = "mydata_assets"
	MsgMyDataAssetAdded      = "mydata_asset_added"
	MsgMyDataAssetChanged    = "mydata_asset_changed"
	MsgMyDataAssetVersions   = "mydata_asset_versions"
	MsgMyDataAssetRemoved    = "mydata_asset_removed"
	MsgMyDataLinks           = "mydata_links"
	MsgMyDataOtherPerson     = "mydata_other_person"
	MsgMyDataConsents        = "mydata_consents"
	MsgMyDataByVolunteer     = "mydata_by_volunteer"
	MsgMyDataByNeighbour     = "mydata_by_neighbour"
	MsgMyDataInvited         = "mydata_invited"
	MsgMyDataVolunteer       = "mydata_volunteer"
	MsgMyDataReminders       = "mydata_reminders"
	MsgMyDataIntroductions   = "mydata_introductions"
	MsgMyDataIntroShared     = "mydata_intro_shared"
	MsgMyDataIntroDeclined   = "mydata_intro_declined"
	MsgMyDataIntroUnanswered = "mydata_intro_unanswered"

	// The terminal's own words.
	MsgTermMulti    = "term_multi"
	MsgTermChoice   = "term_choice"
	MsgTermLocation = "term_location"
	MsgTermKeep     = "term_keep"
	MsgTermMyData   = "term_mydata"
	MsgTermTelegram = "term_telegram"
)

// messageIDs lists every id; the catalogue must hold each in English.
var messageIDs = append([]string{
	MsgNotANumber, MsgWholeNumber, MsgTooSmall, MsgTooBig, MsgTooShort, MsgTooLong, MsgEmpty,
	MsgPickOption, MsgPickAtLeast, MsgPickAtMost, MsgYesOrNo, MsgLocation, MsgBadLocation,
	MsgCannotSkip, MsgFirstStep, MsgNoMatch, MsgOtherPrompt, MsgPaused, MsgButtonYes, MsgButtonNo,
	MsgButtonDone, MsgButtonBack, MsgButtonSkip, MsgButtonKeep, MsgButtonOther, MsgSkipped,
	MsgCurrent, MsgNotAnswered, MsgNoName, MsgButtonYesOfAge, MsgButtonUnderAge, MsgUnderAge,
	MsgHelp, MsgStopped, MsgNothingHeld, MsgNothingOpen, MsgDoneAlready, MsgResume, MsgReview,
	MsgSummary, MsgChange, MsgDelete, MsgDeleted, MsgKept, MsgClosed, MsgNewQuestions,
	MsgDeclinedBefore, MsgConfirmed, MsgPickMenu, MsgMenuCarryOn, MsgMenuStartAgain,
	MsgMenuAllRight, MsgMenuChangeAnswer, MsgMenuGoThrough, MsgMenuDeleteAll, MsgMenuDeleteYes,
	MsgMenuDeleteNo, MsgLanguageMenu, MsgLanguageName, MsgLanguageChosen,
	MsgPrivacy, MsgPrivacyYes, MsgPrivacyNo, MsgPrivacyUnasked, MsgMenuPrivacyChange, MsgPrivacySaved, MsgPrivacyStart,
	MsgNoticeIntro, MsgNoticeRequired, MsgNoticeOptional, MsgNoticeAnswers, MsgNoticeAge, MsgNoticeRights, MsgNoticePrivacy, MsgNoticeMe, MsgNoticeMyData, MsgNoticeDelete, MsgNoticeShown, MsgNoticeKept,
	MsgNudge, MsgRefresh, MsgMenuStillTrue, MsgMenuUpdate, MsgMenuRemoveMe, MsgStillTrue, MsgRemindersBack, MsgRetentionWarning,
	MsgMovedOn, MsgShareLocation, MsgTypePlace, MsgTypeAnswer, MsgTypeNumber, MsgGotLocation,
	MsgUnknownCommand, MsgOtherBot, MsgEdited, MsgContact, MsgBadButton, MsgInlineButton,
	MsgTrouble, MsgCantRead, MsgMediaStickers, MsgMediaPhotos, MsgMediaVoice,
	MsgMediaVideos, MsgMediaAudio, MsgMediaFiles, MsgMediaDice, MsgMediaPolls, MsgMediaOther,
	MsgCmdStart, MsgCmdBack, MsgCmdSkip, MsgCmdCancel, MsgCmdMe, MsgCmdDelete, MsgCmdLanguage, MsgCmdStop, MsgCmdHelp, MsgCmdInvite, MsgCmdAdd, MsgCmdMyData, MsgCmdPrivacy, MsgCmdNeighbours,
	MsgInvite, MsgInviteCaption, MsgVolunteerAdded, MsgVolunteerUsage, MsgVolunteerName, MsgVolunteersNone,
	MsgVolunteersLine, MsgMyStats, MsgNotVolunteer,
	MsgFindUsage, MsgFindTooLong, MsgFindNone, MsgFindPage, MsgFindByName, MsgMatchHead, MsgMatchNoAim,
	MsgStats, MsgStatsNone, MsgAreaUnknown, MsgButtonNext, MsgButtonPrevious, MsgButtonIntroduce, MsgPageGone,
	MsgIntroduceWrite, MsgIntroduceGone, MsgIntroduceNoContact, MsgIntroduceTooLong, MsgIntroduceSent, MsgIntroduction, MsgButtonShare,
	MsgButtonNoThanks, MsgIntroductionShared, MsgIntroductionUsername, MsgIntroductionDeclined, MsgIntroductionThanks, MsgIntroductionNoThanks,
	MsgIntroductionClosed,
	MsgNeighboursStart, MsgNeighboursOff, MsgNeighboursNone, MsgNeighboursWords, MsgNeighboursWanted, MsgNeighboursNewest, MsgNeighboursMeet,
	MsgLookupType, MsgNameLetters, MsgLookupFound, MsgLookupMore, MsgLookupNew, MsgLookupLater, MsgLookupNext,
	MsgAddMenu, MsgAddOffer, MsgMenuNoThanks, MsgAddNothing, MsgDuplicate, MsgDuplicates, MsgMenuDupSame, MsgMenuDupOther,
	MsgDupUpdate, MsgAssetSummary, MsgAssetSaved, MsgMenuMyAssets, MsgMyAssets, MsgNoAssets, MsgAssetMenu,
	MsgMenuRemove, MsgRemoveAsset, MsgRemoveLink, MsgMenuRemoveYes, MsgAssetRemoved, MsgLinkRemoved,
	MsgAssetConfirmed, MsgAssetGone, MsgLinkAdded, MsgRefreshAsset,
	MsgDigestTitle, MsgDigestNew, MsgDigestKinds, MsgDigestTop, MsgDigestTopNew, MsgDigestAim, MsgDigestAimNone,
	MsgDigestGaps, MsgDigestVolunteer, MsgDigestRefresh, MsgDigestDropOff, MsgDigestNone, MsgChartPeople, MsgChartAssets,
	MsgExportChoose, MsgExportUnknown, MsgExportMaking, MsgExportTooBig, MsgExportFailed,
	MsgMyDataNone, MsgMyDataWait, MsgMyDataHead, MsgMyDataPerson, MsgMyDataNotYet, MsgMyDataAnswers, MsgMyDataEarlier,
	MsgMyDataWithdrawn, MsgMyDataAssets, MsgMyDataAssetAdded, MsgMyDataAssetChanged, MsgMyDataAssetVersions,
	MsgMyDataAssetRemoved, MsgMyDataLinks, MsgMyDataOtherPerson, MsgMyDataConsents, MsgMyDataByVolunteer,
	MsgMyDataByNeighbour, MsgMyDataInvited, MsgMyDataVolunteer, MsgMyDataReminders, MsgMyDataIntroductions,
	MsgMyDataIntroShared, MsgMyDataIntroDeclined, MsgMyDataIntroUnanswered,
	MsgTermMulti, MsgTermChoice, MsgTermLocation, MsgTermKeep, MsgTermMyData, MsgTermTelegram,
}, linkMessageIDs()...)

// linkMessageIDs are the ids of the words for each link type.
func linkMessageIDs() []string {
	ids := make([]string, len(LinkTypes))
	for i, t := range LinkTypes {
		ids[i] = LinkMessage(t)
	}
	return ids
}

// LinkMessage is the message id that tells a person how they are linked
// with an asset: "link_" and the link type.
func LinkMessage(linkType string) string { return "link_" + linkType }

// MessageIDs returns every message id, in catalogue order.
func MessageIDs() []string { return slices.Clone(messageIDs) }

// CatalogueFile is the name of the message catalogue in a flows folder:
// it is read as overrides of the built-in catalogue, never as a flow.
const CatalogueFile = "messages.yaml"

// builtin is the catalogue shipped in the binary, read once.
var builtin = sync.OnceValues(func() (Messages, Problems) {
	data, err := flows.FS.ReadFile(CatalogueFile)
	if err != nil {
		return Messages{}, Problems{{File: CatalogueFile, Msg: fmt.Sprintf("cannot read the built-in catalogue: %v", err)}}
	}
	return parseCatalogue(CatalogueFile, data, nil)
})

// ParseCatalogue reads a message catalogue: a mapping of message id to
// text. The built-in one (full) must hold every id in English; an
// override may hold any ids in any languages, using only the placeholders
// the built-in English text of each has.
func ParseCatalogue(file string, data []byte, full bool) (Messages, Problems) {
	var base Messages
	if !full {
		base, _ = builtin()
	}
	return parseCatalogue(file, data, base)
}

// parseCatalogue reads a catalogue overriding base, or the built-in
// catalogue when base is nil.
func parseCatalogue(file string, data []byte, base Messages) (Messages, Problems) {
	full := base == nil
	p := &parser{file: file}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		p.syntax(err)
		return Messages{}, p.problems
	}
	if len(doc.Content) == 0 {
		return Messages{}, nil
	}
	n := deref(doc.Content[0])
	m := p.messages(n, CatalogueFile, base)
	if full {
		for _, id := range messageIDs {
			if _, ok := m[id]["en"]; !ok {
				p.add(n.Line, "%s: no English (en) text for %q", CatalogueFile, id)
			}
		}
	}
	return m, p.problems
}

// messages reads a mapping of message id to text; what names it in
// problems. Texts overriding base need no English, and may use only the
// placeholders of base's English text; base nil reads the built-in
// catalogue, where every text needs English.
func (p *parser) messages(n *yaml.Node, what string, base Messages) Messages {
	m := Messages{}
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, "%s: want a mapping of message id to text, got %s", what, describe(n))
		return m
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		if !slices.Contains(messageIDs, k.Value) {
			p.add(k.Line, "%s: unknown message %q%s", what, k.Value, suggest(k.Value, messageIDs))
			continue
		}
		if _, dup := m[k.Value]; dup {
			p.add(k.Line, "%s: message %q appears twice", what, k.Value)
			continue
		}
		t := p.translations(v, what+"."+k.Value, base == nil)
		m[k.Value] = t
		if base != nil {
			p.checkMessagePlaceholders(k.Line, what+"."+k.Value, t, base[k.Value]["en"])
		}
	}
	return m
}

// checkMessagePlaceholders reports {placeholders} in t that the built-in
// text of the message, original, does not have: nothing would fill them in.
func (p *parser) checkMessagePlaceholders(line int, what string, t Text, original string) {
	var known []string
	for _, m := range placeholderRegex.FindAllStringSubmatch(original, -1) {
		known = append(known, m[1])
	}
	for _, lang := range slices.Sorted(maps.Keys(t)) {
		for _, m := range placeholderRegex.FindAllStringSubmatch(t[lang], -1) {
			if !slices.Contains(known, m[1]) {
				p.add(line, "%s.%s: {%s} is not filled in for this message%s", what, lang, m[1], suggest(m[1], known))
			}
		}
	}
}

// lookup returns the text in lang or its base language ("pt" for "pt-BR"),
// without falling back to English.
func (t Text) lookup(lang string) (string, bool) {
	if s, ok := t[lang]; ok && lang != "" {
		return s, true
	}
	if base, _, found := strings.Cut(lang, "-"); found {
		s, ok := t[base]
		return s, ok
	}
	return "", false
}

// Msg returns message id in lang: the flow's own wording first, then its
// folder's catalogue, then the built-in one; in English when none has lang.
func (f *Flow) Msg(id, lang string) string {
	all, _ := builtin()
	layers := [...]Messages{f.Messages, f.catalogue, all}
	for _, l := range []string{lang, "en"} {
		for _, m := range layers {
			if s, ok := m[id].lookup(l); ok {
				return s
			}
		}
	}
	return ""
}

// Text returns message id in lang with its {placeholders} filled from vars
// (name, value, name, value, ...).
func (f *Flow) Text(id, lang string, vars ...string) string {
	text := f.Msg(id, lang)
	for i := 0; i+1 < len(vars); i += 2 {
		text = strings.ReplaceAll(text, "{"+vars[i]+"}", vars[i+1])
	}
	return text
}

// Languages returns the languages the flow offers: English and every
// language its own texts use, English first, then in order.
func (f *Flow) Languages() []string {
	if f.languages == nil {
		// A flow built in code rather than parsed.
		f.languages = languagesOf(f)
	}
	return f.languages
}

// languagesOf lists the languages the texts of f use, English first.
func languagesOf(f *Flow) []string {
	seen := map[string]bool{"en": true}
	for _, t := range flowTexts(f) {
		for l := range t.text {
			seen[l] = true
		}
	}
	delete(seen, "en")
	langs := make([]string, 0, len(seen))
	for l := range seen {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	return append([]string{"en"}, langs...)
}

// Best returns the offered language that suits a language tag such as
// Telegram's language_code: the tag itself, else its base language
// ("cy" for "cy-GB"), else English.
func Best(offered []string, tag string) string {
	tag = strings.TrimSpace(tag)
	for _, l := range offered {
		if strings.EqualFold(l, tag) {
			return l
		}
	}
	if base, _, found := strings.Cut(tag, "-"); found {
		for _, l := range offered {
			if strings.EqualFold(l, base) {
				return l
			}
		}
	}
	return "en"
}
