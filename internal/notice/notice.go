// Package notice writes the privacy notice an organiser hands to residents,
// in Markdown, from the very texts the bot uses: the consent questions of
// the main flow word for word, with their answers, and what the privacy
// commands do (from the message catalogue), and what being shown to other
// residents shows (from the flow's `shown:`). The README's "Privacy" section
// is this notice in English; a test keeps the two the same.
package notice

import (
	"strconv"
	"strings"
	"time"

	"github.com/assetbot/assetbot/internal/config"
	"github.com/assetbot/assetbot/internal/flow"
)

// Privacy returns the privacy notice of main, the flow residents answer,
// in lang, under the privacy settings p: its minimum age and how long
// entries are kept.
func Privacy(main *flow.Flow, lang string, p config.Privacy) string {
	minAge := p.MinAge
	age := func(msg string) string { return main.Text(msg, lang, "min_age", strconv.Itoa(minAge)) }
	var b strings.Builder
	para := func(s string) { b.WriteString(s + "\n\n") }
	para(main.Msg(flow.MsgNoticeIntro, lang))
	env := flow.Env{Lang: lang, MinAge: minAge}
	for _, q := range main.Questions() {
		if q.Consent == "" {
			continue
		}
		r, _ := flow.Start(main, env, flow.Options{Only: q.Key})
		p := r.Prompts[len(r.Prompts)-1]
		need := flow.MsgNoticeOptional
		if q.Required {
			need = flow.MsgNoticeRequired
		}
		para("**" + q.ShortLabel(lang) + "**: " + main.Msg(need, lang))
		para(quote(p.Text))
		labels := make([]string, len(p.Options))
		for i, o := range p.Options {
			labels[i] = "“" + o.Label + "”"
		}
		para(main.Msg(flow.MsgNoticeAnswers, lang) + " " + strings.Join(labels, " · "))
		if q.Consent == flow.PurposeShown && main.Shown != nil {
			para(main.Text(flow.MsgNoticeShown, lang, "answers", shownLabels(main, lang)))
		}
	}
	para(age(flow.MsgNoticeAge))
	para(main.Text(flow.MsgNoticeKept, lang, "unfinished_days", days(p.UnfinishedRetention), "stale_days", days(p.StaleRetention)))
	para(main.Msg(flow.MsgNoticeRights, lang))
	for _, msg := range []string{flow.MsgNoticePrivacy, flow.MsgNoticeMe, flow.MsgNoticeMyData, flow.MsgNoticeDelete} {
		b.WriteString("- " + main.Msg(msg, lang) + "\n")
	}
	return b.String()
}

// shownLabels names, quoted, the questions whose answers main shows other
// residents (its `shown:`), so that the notice says what is shown from the
// very data that decides it.
func shownLabels(main *flow.Flow, lang string) string {
	var labels []string
	for _, key := range main.Shown.Answers {
		if s := main.StepByKey(key); s != nil {
			labels = append(labels, "“"+s.ShortLabel(lang)+"”")
		}
	}
	return strings.Join(labels, ", ")
}

// quote sets a question as a Markdown block quote, a paragraph per line
// and its "•" lines as a list, so it reads as the bot shows it.
func quote(text string) string {
	var lines []string
	listed := false
	for i, line := range strings.Split(text, "\n") {
		item, isItem := strings.CutPrefix(line, "• ")
		if i > 0 && !(isItem && listed) {
			lines = append(lines, ">")
		}
		if isItem {
			line = "- " + item
		}
		lines = append(lines, "> "+line)
		listed = isItem
	}
	return strings.Join(lines, "\n")
}

// days says d in whole days, as the config gives retention periods.
func days(d time.Duration) string {
	return strconv.Itoa(int(d / (24 * time.Hour)))
}
