package flow

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxTextLength bounds a free-text answer when the step sets no max_length.
const maxTextLength = 1000

// action says what parseInput made of an input.
type action int

const (
	actionAnswer   action = iota // a complete answer
	actionInvalid                // not acceptable: re-ask with the problem
	actionToggled                // a multi option ticked or unticked
	actionAskOther               // multi done with "something else" ticked
	actionPick                   // a lookup found assets: offer them
	actionUnderAge               // "I'm under the minimum age" on an age check
)

// parseInput turns an input into an answer to step s, or says why not.
func parseInput(f *Flow, st *State, env Env, s *Step, in Input) (Value, action, string) {
	lang := env.Lang
	invalid := func(problem string) (Value, action, string) { return Value{}, actionInvalid, problem }
	switch in.Kind {
	case InputText, InputOption, InputToggle, InputDone, InputLocation:
	default:
		return invalid(expected(f, s, lang))
	}
	switch s.Type {
	case TypeText:
		if in.Kind != InputText {
			return invalid(expected(f, s, lang))
		}
		minLen, maxLen := max(s.MinLength, 1), s.MaxLength
		if maxLen == 0 {
			maxLen = maxTextLength
		}
		text, problem := checkText(f, env, in.Text, minLen, maxLen)
		if problem == "" && s.Validate != nil && s.Validate.re != nil && !s.Validate.re.MatchString(text) {
			problem = s.Validate.Message.In(lang)
		}
		if problem != "" {
			return invalid(retry(s, lang, problem))
		}
		return Value{Text: text}, actionAnswer, ""

	case TypeNumber:
		if in.Kind != InputText {
			return invalid(expected(f, s, lang))
		}
		n, problem := parseNumber(f, s, lang, in.Text)
		if problem != "" {
			return invalid(retry(s, lang, problem))
		}
		return Value{Number: &n}, actionAnswer, ""

	case TypeYesNo:
		var b, ok bool
		switch in.Kind {
		case InputOption:
			b, ok = in.Option == Yes, in.Option == Yes || in.Option == No
			if s.AgeCheck && in.Option == UnderAge {
				return Value{}, actionUnderAge, ""
			}
		case InputText:
			b, ok = parseYesNo(f, lang, in.Text)
			if s.AgeCheck && !ok {
				// The age check's buttons typed, or their number.
				id, matched := MatchChoice(yesNoChoices(f, env, s), in.Text)
				if id == UnderAge {
					return Value{}, actionUnderAge, ""
				}
				b, ok = id == Yes, matched
			}
		}
		if !ok {
			return invalid(retry(s, lang, f.Msg(MsgYesOrNo, lang)))
		}
		return Value{Bool: &b}, actionAnswer, ""

	case TypeChoice:
		id := ""
		switch in.Kind {
		case InputOption:
			if s.option(in.Option) != nil {
				id = in.Option
			}
		case InputText:
			id = matchOption(s, lang, in.Text)
		}
		if id == "" {
			return invalid(retry(s, lang, f.Msg(MsgPickOption, lang)))
		}
		return Value{Choice: id}, actionAnswer, ""

	case TypeMulti:
		return parseMulti(f, st, s, lang, in)

	case TypeLookup:
		return parseLookup(f, st, env, s, in)

	case TypeLocation:
		switch in.Kind {
		case InputLocation:
			if !validLocation(in.Lat, in.Lon) {
				return invalid(f.Msg(MsgBadLocation, lang))
			}
			return Value{Location: &Location{Lat: in.Lat, Lon: in.Lon}}, actionAnswer, ""
		case InputText:
			text, problem := checkText(f, env, in.Text, 2, 200)
			if problem != "" {
				return invalid(retry(s, lang, problem))
			}
			return Value{Text: text}, actionAnswer, ""
		}
	}
	return invalid(expected(f, s, lang))
}

// expected is the message for an input of the wrong kind for step s.
func expected(f *Flow, s *Step, lang string) string {
	switch s.Type {
	case TypeNumber:
		return f.Msg(MsgNotANumber, lang)
	case TypeChoice, TypeMulti:
		return f.Msg(MsgPickOption, lang)
	case TypeYesNo:
		return f.Msg(MsgYesOrNo, lang)
	case TypeLocation:
		return f.Msg(MsgLocation, lang)
	case TypeLookup:
		return f.Msg(MsgLookupType, lang)
	}
	return f.Msg(MsgEmpty, lang)
}

// retry prefers the step's own retry wording over the built-in problem.
func retry(s *Step, lang, problem string) string {
	if t := s.Retry.In(lang); t != "" {
		return t
	}
	return problem
}

func parseMulti(f *Flow, st *State, s *Step, lang string, in Input) (Value, action, string) {
	invalid := func(problem string) (Value, action, string) { return Value{}, actionInvalid, problem }
	valid := func(id string) bool { return s.option(id) != nil || (s.Other && id == OtherOption) }
	switch in.Kind {
	case InputOption, InputToggle:
		if !valid(in.Option) {
			return invalid(f.Msg(MsgPickOption, lang))
		}
		if i := slices.Index(st.Selected, in.Option); i >= 0 {
			st.Selected = slices.Delete(slices.Clone(st.Selected), i, i+1)
		} else {
			st.Selected = append(slices.Clone(st.Selected), in.Option)
		}
		return Value{}, actionToggled, ""
	case InputDone:
		if problem := choiceCount(f, s, lang, len(st.Selected)); problem != "" {
			return invalid(problem)
		}
		if len(st.Selected) == 0 {
			return Value{Skipped: true}, actionAnswer, ""
		}
		if slices.Contains(st.Selected, OtherOption) {
			return Value{}, actionAskOther, ""
		}
		return Value{Choices: inOptionOrder(s, st.Selected)}, actionAnswer, ""
	case InputText:
		text, problem := cleanText(in.Text)
		if problem {
			return invalid(f.Msg(MsgPickOption, lang))
		}
		ids, rest := matchList(s, lang, text)
		other := ""
		if len(rest) > 0 {
			// "7" or "4-5" is a wrong option number, not something else.
			if !s.Other || slices.ContainsFunc(rest, noLetters) {
				return invalid(retry(s, lang, f.Msg(MsgNoMatch, lang)+" "+f.Msg(MsgPickOption, lang)))
			}
			other = strings.Join(rest, ", ")
			if runeLen(other) > maxTextLength {
				return invalid(fill(f.Msg(MsgTooLong, lang), map[string]string{"max": strconv.Itoa(maxTextLength)}))
			}
		}
		count := len(ids)
		if other != "" {
			count++
		}
		if problem := choiceCount(f, s, lang, count); problem != "" || count == 0 {
			if problem == "" {
				problem = f.Msg(MsgPickOption, lang)
			}
			return invalid(problem)
		}
		return Value{Choices: inOptionOrder(s, ids), Other: other}, actionAnswer, ""
	}
	return invalid(f.Msg(MsgPickOption, lang))
}

// choiceCount checks how many options a multi answer has.
func choiceCount(f *Flow, s *Step, lang string, n int) string {
	least := s.MinChoices
	if least == 0 && !s.Optional {
		least = 1
	}
	if n < least {
		return fill(f.Msg(MsgPickAtLeast, lang), map[string]string{"min": strconv.Itoa(least)})
	}
	if s.MaxChoices > 0 && n > s.MaxChoices {
		return fill(f.Msg(MsgPickAtMost, lang), map[string]string{"max": strconv.Itoa(s.MaxChoices)})
	}
	return ""
}

func inOptionOrder(s *Step, ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, o := range s.Options {
		if slices.Contains(ids, o.ID) {
			out = append(out, o.ID)
		}
	}
	return out
}

var (
	listSeparators = regexp.MustCompile(`\s*[,;\n]\s*`)
	itemSeparators = regexp.MustCompile(`\s*(?:\band\b|&)\s*`)
	wordPattern    = regexp.MustCompile(`\S+`)
)

// maxLabelItems bounds how many items split at "and" or "&" matchList
// tries to join back into one label, as in "Arts & crafts".
const maxLabelItems = 4

// matchList matches a typed list such as "1, 3 and DIY & repairs" to
// options, each by number in the list, id, label or an unambiguous start of
// a label. It splits at commas, semicolons, new lines, "and" and "&", but
// keeps together neighbouring items that make up one option's label. It
// returns the option ids matched and the items that matched nothing.
func matchList(s *Step, lang, text string) (ids, rest []string) {
	for _, part := range listSeparators.Split(text, -1) {
		items := itemSpans(part)
		for i := 0; i < len(items); {
			id, j := "", min(len(items), i+maxLabelItems)
			for ; j > i; j-- {
				if id = matchOption(s, lang, part[items[i][0]:items[j-1][1]]); id != "" {
					break
				}
			}
			switch {
			case id == "":
				rest = append(rest, part[items[i][0]:items[i][1]])
				j = i + 1
			case !slices.Contains(ids, id):
				ids = append(ids, id)
			}
			i = j
		}
	}
	return ids, rest
}

// itemSpans returns where the items of one part of a list are: split at
// "and" or "&", or at spaces between numbers ("1 3 5").
func itemSpans(part string) [][2]int {
	var spans [][2]int
	start := 0
	for _, sep := range append(itemSeparators.FindAllStringIndex(part, -1), []int{len(part), len(part)}) {
		if item := part[start:sep[0]]; strings.TrimSpace(item) != "" {
			lead := len(item) - len(strings.TrimLeftFunc(item, unicode.IsSpace))
			spans = append(spans, [2]int{start + lead, start + len(strings.TrimRightFunc(item, unicode.IsSpace))})
		}
		start = sep[1]
	}
	if len(spans) == 1 {
		words := wordPattern.FindAllStringIndex(part, -1)
		numbers := len(words) > 1
		for _, w := range words {
			if _, err := strconv.Atoi(part[w[0]:w[1]]); err != nil {
				numbers = false
			}
		}
		if numbers {
			spans = spans[:0]
			for _, w := range words {
				spans = append(spans, [2]int{w[0], w[1]})
			}
		}
	}
	return spans
}

func matchOption(s *Step, lang, item string) string {
	choices := make([]Choice, len(s.Options))
	for i, o := range s.Options {
		choices[i] = Choice{ID: o.ID, Label: o.Label.In(lang)}
	}
	id, _ := MatchChoice(choices, item)
	return id
}

// MatchChoice finds the choice a typed item means: its number in the list,
// its id, its label (ignoring case and punctuation), or words that start or
// appear in exactly one label.
func MatchChoice(choices []Choice, item string) (string, bool) {
	norm := normalize(item)
	if norm == "" {
		return "", false
	}
	if n, err := strconv.Atoi(norm); err == nil {
		// "2" or "2." picks the second; "-1" or "1,000" picks nothing.
		if strings.TrimSuffix(strings.TrimSpace(item), ".") != norm {
			return "", false
		}
		if n >= 1 && n <= len(choices) {
			return choices[n-1].ID, true
		}
		return "", false
	}
	for _, c := range choices {
		if normalize(c.Label) == norm || c.ID == norm {
			return c.ID, true
		}
	}
	// Then the one label that starts with what was typed, or failing that
	// the one that contains it: "an hour a week" is "About an hour a week".
	if runeLen(norm) < 3 {
		return "", false
	}
	for _, match := range []func(label string) bool{
		func(label string) bool { return strings.HasPrefix(label, norm) },
		func(label string) bool { return runeLen(norm) >= 4 && strings.Contains(" "+label+" ", " "+norm+" ") },
	} {
		found, n := "", 0
		for _, c := range choices {
			if match(normalize(c.Label)) {
				found, n = c.ID, n+1
			}
		}
		if n == 1 {
			return found, true
		}
		if n > 1 {
			return "", false
		}
	}
	return "", false
}

// noLetters reports whether s has no letter in it.
func noLetters(s string) bool { return !strings.ContainsFunc(s, unicode.IsLetter) }

// normalize lower-cases s and keeps only letters, digits and single spaces,
// so "DIY & repairs!" and "diy repairs" compare equal.
func normalize(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		default:
			space = true
		}
	}
	return b.String()
}

var (
	yesWords = []string{"yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "aye", "1", "of course", "definitely", "👍"}
	noWords  = []string{"no", "n", "nope", "nah", "2", "not really", "no thanks", "no thank you", "👎"}
)

func parseYesNo(f *Flow, lang, text string) (answer, ok bool) {
	t, empty := cleanText(text)
	if empty {
		return false, false
	}
	norm := normalize(t)
	if norm == "" {
		norm = strings.TrimSpace(t) // emoji answers
	}
	if slices.Contains(yesWords, norm) || norm == normalize(f.Msg(MsgButtonYes, lang)) {
		return true, true
	}
	if slices.Contains(noWords, norm) || norm == normalize(f.Msg(MsgButtonNo, lang)) {
		return false, true
	}
	return false, false
}

var numberPattern = regexp.MustCompile(`[-+]?\d+(?:[.,]\d+)?`)

// parseNumber reads one number from text such as "4", "2.5", "2,5" or
// "about 4 hours".
func parseNumber(f *Flow, s *Step, lang, text string) (float64, string) {
	t, empty := cleanText(text)
	if empty {
		return 0, f.Msg(MsgNotANumber, lang)
	}
	found := numberPattern.FindAllString(t, 2)
	if len(found) != 1 || len(t) > 100 {
		return 0, f.Msg(MsgNotANumber, lang)
	}
	n, err := strconv.ParseFloat(strings.Replace(found[0], ",", ".", 1), 64)
	if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, f.Msg(MsgNotANumber, lang)
	}
	if s.Integer && n != math.Trunc(n) {
		return 0, f.Msg(MsgWholeNumber, lang)
	}
	format := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	if s.Min != nil && n < *s.Min {
		return 0, fill(f.Msg(MsgTooSmall, lang), map[string]string{"min": format(*s.Min)})
	}
	if s.Max != nil && n > *s.Max {
		return 0, fill(f.Msg(MsgTooBig, lang), map[string]string{"max": format(*s.Max)})
	}
	return n, ""
}

func validLocation(lat, lon float64) bool {
	if math.IsNaN(lat) || math.IsNaN(lon) || math.IsInf(lat, 0) || math.IsInf(lon, 0) {
		return false
	}
	return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 && !(lat == 0 && lon == 0)
}

// checkText cleans typed text and checks its length in characters.
func checkText(f *Flow, env Env, raw string, minLen, maxLen int) (string, string) {
	text, empty := cleanText(raw)
	if empty {
		return "", f.Msg(MsgEmpty, env.Lang)
	}
	n := runeLen(text)
	if n < minLen {
		return "", fill(f.Msg(MsgTooShort, env.Lang), map[string]string{"min": strconv.Itoa(minLen)})
	}
	if n > maxLen {
		return "", fill(f.Msg(MsgTooLong, env.Lang), map[string]string{"max": strconv.Itoa(maxLen)})
	}
	return text, ""
}

// cleanText makes typed text safe to keep: valid UTF-8, no control
// characters but newlines and tabs, no bidirectional overrides, trimmed. It
// reports whether nothing visible is left.
func cleanText(raw string) (string, bool) {
	raw = strings.ToValidUTF8(raw, "\uFFFD")
	var b strings.Builder
	visible := false
	for _, r := range raw {
		switch {
		case r == '\n' || r == '\t':
		case unicode.IsControl(r), r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
			continue
		case invisible(r):
		default:
			if !unicode.IsSpace(r) {
				visible = true
			}
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String()), !visible
}

// invisible reports characters that take no room: zero-width spaces and
// joiners, direction marks, the byte-order mark and variation selectors.
func invisible(r rune) bool {
	return (r >= 0x200B && r <= 0x200F) || r == 0x2060 || r == 0xFEFF || (r >= 0xFE00 && r <= 0xFE0F) || unicode.Is(unicode.Cf, r)
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }
