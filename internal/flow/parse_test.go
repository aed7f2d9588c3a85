package flow_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/assetbot/assetbot/internal/flow"
)

// lines joins YAML lines; head is the four lines every test flow starts with.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

const head = "id: t\ntitle: T\nversion: 1\nsteps:"

// brokenFlows are flow files with one thing wrong, and exactly what
// Parse (and so `assetbot flows check`) says about each.
var brokenFlows = []struct {
	name string
	yaml string
	want []string
}{
	{"unknown step type", lines(head, "  - id: a", "    type: textt", "    text: A"),
		[]string{`t.yaml:6: step "a": unknown step type "textt" (want one of text, number, choice, multi, yesno, location, info, lookup)`}},
	{"duplicate step id", lines(head, "  - id: a", "    type: text", "    text: A", "  - id: a", "    type: text", "    text: B"),
		[]string{`t.yaml:8: step "a": duplicate id (first used on line 5)`}},
	{"duplicate answer key", lines(head, "  - id: a", "    type: text", "    text: A", "  - id: b", "    key: a", "    type: text", "    text: B"),
		[]string{`t.yaml:8: step "b": answer key "a" is already used by the step on line 5`}},
	{"dangling next", lines(head, "  - id: a", "    type: text", "    text: A", "    next: nowhere"),
		[]string{`t.yaml:8: step "a": next goes to unknown step "nowhere"`}},
	{"dangling next route", lines(head, "  - id: a", "    type: text", "    text: A", "    next:", "      - when: {key: a, answered: true}", "        goto: nowhere"),
		[]string{`t.yaml:9: step "a": next goes to unknown step "nowhere"`}},
	{"dangling when key", lines(head, "  - id: a", "    type: text", "    text: A", "  - id: b", "    type: text", "    text: B", "    when: {key: colour, equals: red}"),
		[]string{`t.yaml:11: step "b": when: no step answers "colour"`}},
	{"dangling route when key", lines(head, "  - id: a", "    type: text", "    text: A", "    next:", "      - when: {key: colour, equals: red}", "        goto: end"),
		[]string{`t.yaml:9: step "a": next: no step answers "colour"`}},
	{"when value not an option", lines(head, "  - id: a", "    type: choice", "    text: A", "    options: [x: X, y: Y]", "  - id: b", "    type: text", "    text: B", "    when: {key: a, in: [x, z]}"),
		[]string{`t.yaml:12: step "b": when: "z" is not an option of step "a"`}},
	{"when value not yes or no", lines(head, "  - id: a", "    type: yesno", "    text: A", "  - id: b", "    type: text", "    text: B", "    when: {key: a, equals: maybe}"),
		[]string{`t.yaml:11: step "b": when: step "a" is yes/no, so compare with "yes" or "no", not "maybe"`}},
	{"when on its own answer", lines(head, "  - id: a", "    type: text", "    text: A", "    when: {key: a, answered: false}"),
		[]string{`t.yaml:8: step "a": when: a step cannot depend on its own answer`}},
	{"condition with two tests", lines(head, "  - id: a", "    type: choice", "    text: A", "    options: [x: X]", "  - id: b", "    type: text", "    text: B", "    when: {key: a, equals: x, not_equals: x}"),
		[]string{`t.yaml:12: step "b": when: want exactly one of equals, in, not_equals or answered`}},
	{"route without goto", lines(head, "  - id: a", "    type: text", "    text: A", "    next:", "      - when: {key: a, answered: true}"),
		[]string{`t.yaml:9: step "a": next: a route needs "goto"`}},
	{"unreachable step", lines(head, "  - id: a", "    type: text", "    text: A", "    next: end", "  - id: b", "    type: text", "    text: B"),
		[]string{`t.yaml:9: step "b" can never be reached`}},
	{"endless loop", lines(head, "  - id: a", "    type: text", "    text: A", "  - id: b", "    type: text", "    text: B", "    next: a"),
		[]string{
			`t.yaml:5: step "a" is in a loop that can never reach the end of the flow`,
			`t.yaml:8: step "b" is in a loop that can never reach the end of the flow`,
		}},
	{"missing en text", lines(head, "  - id: a", "    type: text", "    text:", "      cy: Helo"),
		[]string{`t.yaml:8: step "a": text: missing the English (en) text, which every text needs as the fallback`}},
	{"not a language code", lines(head, "  - id: a", "    type: text", "    text:", "      en: Hi", "      English: Hi"),
		[]string{`t.yaml:9: step "a": text: "English" is not a language code (like en, cy or pt-BR)`}},
	{"blank text", lines(head, "  - id: a", "    type: text", "    text: '  '"),
		[]string{`t.yaml:7: step "a": text: text is empty`}},
	{"YAML syntax: bad indentation", lines(head, "  - id: a", "    type: text", "   text: A"),
		// yaml.v3 names the line before the block the problem is in.
		[]string{`t.yaml:4: YAML syntax: did not find expected '-' indicator`}},
	{"YAML syntax: tab", lines(head, "\t- id: a"),
		[]string{`t.yaml:5: YAML syntax: found character that cannot start any token`}},
	{"YAML syntax: unclosed quote", lines("id: t", `title: "T`, "version: 1"),
		[]string{`t.yaml:2: YAML syntax: found unexpected end of stream`}},
	{"key twice", lines("id: t", "id: u", "title: T", "version: 1", "steps:", "  - {id: a, type: info, text: A}"),
		[]string{`t.yaml:2: flow: key "id" appears twice`}},
	{"unknown key with did-you-mean", lines(head, "  - id: a", "    type: text", "    optinal: true", "    text: A"),
		[]string{`t.yaml:7: step "a": unknown key "optinal" (did you mean "optional"?)`}},
	{"unknown key", lines(head, "  - id: a", "    type: text", "    colour: red", "    text: A"),
		[]string{`t.yaml:7: step "a": unknown key "colour"`}},
	{"unknown flow key", lines("id: t", "title: T", "version: 1", "step:", "  - id: a"),
		[]string{`t.yaml:4: flow: unknown key "step" (did you mean "steps"?)`, `t.yaml:1: flow: missing required key "steps"`}},
	{"options on a text step", lines(head, "  - id: a", "    type: text", "    text: A", "    options: [x: X]"),
		[]string{`t.yaml:5: step "a": options are only for choice and multi steps`}},
	{"choice without options", lines(head, "  - id: a", "    type: choice", "    text: A"),
		[]string{`t.yaml:5: step "a": a choice step needs options`}},
	{"multi without options", lines(head, "  - id: a", "    type: multi", "    other: true", "    text: A"),
		[]string{`t.yaml:5: step "a": a multi step needs options`}},
	{"too many options", lines(head, "  - id: a", "    type: choice", "    text: A", "    options: [a: A, b: B, c: C, d: D, e: E, f: F, g: G, h: H, i: I, j: J, k: K, l: L, m: M, n: N, o: O, p: P, q: Q, r: R, s: S, t: T, u: U, v: V, w: W, x: X, y: Y]"),
		[]string{`t.yaml:5: step "a": 25 options is too many for one question (at most 24)`}},
	{"option twice", lines(head, "  - id: a", "    type: choice", "    text: A", "    options: [x: X, x: Y]"),
		[]string{`t.yaml:8: step "a": option "x" appears twice`}},
	{"bad option id", lines(head, "  - id: a", "    type: choice", "    text: A", "    options: [Big One: X]"),
		[]string{`t.yaml:8: step "a": options: option id "Big One" must be lower-case letters, digits, _ or -, at most 32 long`}},
	{"other on a choice", lines(head, "  - id: a", "    type: choice", "    other: true", "    text: A", "    options: [x: X]"),
		[]string{`t.yaml:5: step "a": other is only for multi steps`}},
	{"option id other reserved", lines(head, "  - id: a", "    type: multi", "    other: true", "    text: A", "    options: [x: X, other: Other]"),
		[]string{`t.yaml:9: step "a": option id "other" is reserved for the free answer that ` + "`other: true`" + ` adds`}},
	{"min_choices above options", lines(head, "  - id: a", "    type: multi", "    min_choices: 3", "    text: A", "    options: [x: X, y: Y]"),
		[]string{`t.yaml:5: step "a": min_choices 3 is more than the 2 options offered, so no answer would do`}},
	{"min_choices above max_choices", lines(head, "  - id: a", "    type: multi", "    min_choices: 2", "    max_choices: 1", "    text: A", "    options: [x: X, y: Y]"),
		[]string{`t.yaml:5: step "a": want 0 <= min_choices <= max_choices`}},
	{"min above max", lines(head, "  - id: a", "    type: number", "    min: 5", "    max: 1", "    text: A"),
		[]string{`t.yaml:5: step "a": min 5 is above max 1`}},
	{"max_length on a number step", lines(head, "  - id: a", "    type: number", "    max_length: 5", "    text: A"),
		[]string{`t.yaml:5: step "a": min_length, max_length and validate are only for text and lookup steps`}},
	{"min on a text step", lines(head, "  - id: a", "    type: text", "    min: 5", "    text: A"),
		[]string{`t.yaml:5: step "a": min, max and integer are only for number steps`}},
	{"bad regex", lines(head, "  - id: a", "    type: text", "    text: A", "    validate:", "      regex: '[a-z'", "      message: Letters."),
		[]string{"t.yaml:9: step \"a\": validate.regex: error parsing regexp: missing closing ]: `[a-z`"}},
	{"validate without message", lines(head, "  - id: a", "    type: text", "    text: A", "    validate: {regex: '^a'}"),
		[]string{`t.yaml:8: step "a": validate: missing "message", the friendly retry text`}},
	{"consent on a text step", lines("id: t", "title: T", "version: 1", "declined: Bye.", "steps:", "  - id: a", "    type: text", "    text: A", "    consent: map"),
		[]string{`t.yaml:6: step "a": consent is only for yesno steps`}},
	{"consent without declined", lines(head, "  - id: a", "    type: yesno", "    text: A", "    consent: map"),
		[]string{`t.yaml:5: step "a": a required consent step needs the flow's ` + "`declined`" + ` text, said when someone says no`}},
	{"optional consent needs no declined", lines(head, "  - id: a", "    type: yesno", "    text: A", "    consent: contact", "    required: false"),
		nil},
	{"unknown purpose", lines(consentHead, "  - id: a", "    type: yesno", "    text: A", "    consent: contacted"),
		[]string{`t.yaml:6: step "a": unknown consent purpose "contacted" (want one of map, contact, shown) (did you mean "contact"?)`}},
	{"purpose asked twice", lines(consentHead, "  - id: a", "    type: yesno", "    text: A", "    consent: map", "  - id: b", "    type: yesno", "    text: B", "    consent: map", "    required: false"),
		[]string{`t.yaml:10: step "b": consent to "map" is already asked by step "a" (line 6)`}},
	{"two required consents", lines(consentHead, "  - id: a", "    type: yesno", "    text: A", "    consent: map", "  - id: b", "    type: yesno", "    text: B", "    consent: contact"),
		[]string{`t.yaml:10: step "b": only one consent step may be required`}},
	{"skippable consent", lines(consentHead, "  - id: a", "    type: yesno", "    text: A", "    consent: shown", "    required: false", "    optional: true"),
		[]string{`t.yaml:6: step "a": a consent step cannot be optional (skipped, it would decide nothing); set ` + "`required: false`" + ` so that a "no" goes on`}},
	{"conditional consent", lines(consentHead, "  - id: q", "    type: yesno", "    text: Q", "  - id: a", "    type: yesno", "    text: A", "    consent: shown", "    required: false", "    when: {key: q, equals: 'yes'}"),
		[]string{`t.yaml:9: step "a": a consent step is asked of everyone, so ` + "`when`" + ` does not apply`}},
	{"required on a question", lines(head, "  - id: a", "    type: yesno", "    text: A", "    required: false"),
		[]string{`t.yaml:5: step "a": required and age_check are only for consent steps`}},
	{"age check on an optional consent", lines(consentHead, "  - id: a", "    type: yesno", "    text: A", "    consent: contact", "    required: false", "    age_check: true"),
		[]string{`t.yaml:6: step "a": age_check is only for a required consent step, whose refusal keeps nothing`}},
	{"min_age outside a consent step", lines(head, "  - id: a", "    type: text", "    text: Over {min_age}?"),
		[]string{`t.yaml:5: step "a": text refers to {min_age}, which is neither {first_name} nor an answer key`}},
	{"unknown placeholder in a consent step", lines(consentHead, "  - id: a", "    type: yesno", "    text: Over {age}?", "    consent: map", "    age_check: true"),
		[]string{`t.yaml:6: step "a": text refers to {age}, which is neither {first_name}, {min_age} nor an answer key`}},
	{"unknown placeholder", lines(head, "  - id: a", "    type: text", "    text: Hi {firstname}"),
		[]string{`t.yaml:5: step "a": text refers to {firstname}, which is neither {first_name} nor an answer key`}},
	{"unknown placeholder in a validate message", lines(head, "  - id: a", "    type: text", "    text: A", "    validate: {regex: '^a', message: 'Like {example}'}"),
		[]string{`t.yaml:5: step "a": text refers to {example}, which is neither {first_name} nor an answer key`}},
	{"placeholder of its own answer", lines(head, "  - id: a", "    type: text", "    text: A", "    hint: Was {a}"),
		[]string{`t.yaml:5: step "a": text refers to its own answer {a}`}},
	{"info step with optional", lines(head, "  - id: a", "    type: info", "    optional: true", "    text: A", "  - id: b", "    type: text", "    text: B"),
		[]string{`t.yaml:5: step "a": an info step takes no answer, so optional and key do not apply`}},
	{"unknown message", lines("id: t", "title: T", "version: 1", "messages:", "  hello: Hi", "steps:", "  - id: a", "    type: text", "    text: A"),
		[]string{`t.yaml:5: messages: unknown message "hello"`}},
	{"empty file", "",
		[]string{`t.yaml: file is empty: a flow needs id, title, version and steps`}},
	{"only comments", "# to do\n",
		[]string{`t.yaml: file is empty: a flow needs id, title, version and steps`}},
	{"a list, not a flow", "- id: a\n",
		[]string{`t.yaml:1: flow: want a mapping of keys, got a list`}},
	{"missing flow keys", lines("steps:", "  - id: a", "    type: text", "    text: A"),
		[]string{`t.yaml:1: flow: missing required key "id"`, `t.yaml:1: flow: missing required key "title"`, `t.yaml:1: flow: missing required key "version"`}},
	{"no steps", lines("id: t", "title: T", "version: 1", "steps: []"),
		[]string{`t.yaml:4: steps: want a list of at least one step, got an empty list`}},
	{"bad ids and version", lines("id: My-Flow", "title: T", "version: 0", "steps:", "  - id: Step1", "    type: text", "    text: A"),
		[]string{
			`t.yaml:1: id: "My-Flow" must be lower-case letters, digits and _, starting with a letter, at most 32 long`,
			`t.yaml:3: version: must be 1 or more, got 0`,
			`t.yaml:5: step "Step1": id: "Step1" must be lower-case letters, digits and _, starting with a letter, at most 32 long`,
		}},
	{"wrong kinds of value", lines("id: t", "title: T", "version: one", "steps:", "  - id: a", "    type: number", "    optional: maybe", "    min: lots", "    text: A"),
		[]string{
			`t.yaml:3: version: want a whole number, got "one"`,
			`t.yaml:7: step "a": optional: want true or false, got "maybe"`,
			`t.yaml:8: step "a": min: want a number, got "lots"`,
		}},
	{"lookup without its kind", lines(head, "  - id: a", "    type: lookup", "    text: A"),
		[]string{`t.yaml:5: step "a": a lookup step needs ` + "`lookup:`" + `, the id of the asset flow whose assets it finds`}},
	{"lookup keys on a text step", lines(head, "  - id: a", "    type: text", "    lookup: place", "    text: A"),
		[]string{`t.yaml:5: step "a": lookup and link are only for lookup steps`}},
	{"lookup link of an unknown type", lines(head, "  - id: a", "    type: lookup", "    lookup: place", "    link: membr_of", "    text: A"),
		[]string{`t.yaml:8: step "a": link: unknown link type "membr_of" (want one of member_of, runs, owns, uses, offers_to, connected_with) (did you mean "member_of"?)`}},
	{"lookup link without the asset found", lines(head, "  - id: a", "    type: lookup", "    lookup: place", "    link: {type: uses, from: person, to: this}", "    text: A"),
		[]string{
			`t.yaml:8: step "a": link: "this" is the asset an asset flow records, and this flow has no ` + "`asset:`",
			`t.yaml:8: step "a": link: one end of a lookup's link is "found", the asset it finds`,
		}},
	{"link to itself", lines(head, "  - id: a", "    type: lookup", "    lookup: place", "    link: {type: uses, from: found, to: found}", "    text: A"),
		[]string{`t.yaml:8: step "a": link: a link joins two different ends, not "found" to itself`}},
	{"asset name not a text answer", lines("id: t", "title: T", "version: 1", "asset: {name: size, area: size}", "steps:", "  - id: size", "    type: number", "    text: A"),
		[]string{`t.yaml:4: asset.name: "size" is not the key of a text step`, `t.yaml:4: asset.area: "size" is not the key of a text or location step`}},
	{"asset without a name", lines("id: t", "title: T", "version: 1", "asset: {area: a}", "steps:", "  - id: a", "    type: text", "    text: A"),
		[]string{`t.yaml:4: asset: missing "name", the answer key that holds the asset's name`}},
	{"flow links", lines("id: t", "title: T", "version: 1", "asset: {name: a}", "links:", "  - {type: runs, when: {key: role, equals: boss}}", "  - {type: runs, from: found}", "steps:", "  - id: a", "    type: text", "    text: A", "  - id: role", "    type: choice", "    text: R", "    options: [member: Member]"),
		[]string{
			`t.yaml:6: links: when: "boss" is not an option of step "role"`,
			`t.yaml:7: links: a link end must be one of person, this, not "found"`,
		}},
	{"links of a flow that records no asset", lines("id: t", "title: T", "version: 1", "links: [runs]", "steps:", "  - id: a", "    type: text", "    text: A"),
		[]string{`t.yaml:4: links: "this" is the asset an asset flow records, and this flow has no ` + "`asset:`"}},
	{"personal marks", lines("id: t", "title: T", "version: 1", "asset: {name: a, area: b, personal: {key: role, equals: runs}}", "links:", "  - {type: runs, when: {key: role, equals: runs}}", "steps:",
		"  - id: a", "    type: text", "    personal: true", "    text: A",
		"  - id: b", "    type: text", "    personal: true", "    text: B",
		"  - id: role", "    type: choice", "    personal: true", "    text: R", "    options: [runs: Runs]",
		"  - id: i", "    type: info", "    personal: true", "    text: I"),
		[]string{
			`t.yaml:4: asset.personal: "role" is how the person knows the asset, kept as their link, not a field of the asset`,
			`t.yaml:8: step "a": personal: the asset's name and area stay when its fields are cleared; use asset.personal for assets that are about the person`,
			`t.yaml:12: step "b": personal: the asset's name and area stay when its fields are cleared; use asset.personal for assets that are about the person`,
			`t.yaml:16: step "role": personal: "role" is kept as the person's link, which goes with them anyway`,
			`t.yaml:21: step "i": personal: only for questions whose answer is a field of the asset, not info steps`,
		}},
	{"personal not a yes or no", lines(head, "  - id: a", "    type: text", "    personal: maybe", "    text: A"),
		[]string{`t.yaml:7: step "a": personal: want true or false, got "maybe"`}},
	{"personal asset testing an unknown answer", lines("id: t", "title: T", "version: 1", "asset: {name: a, personal: {key: kind, equals: own}}", "steps:", "  - id: a", "    type: text", "    text: A"),
		[]string{`t.yaml:4: asset.personal: no step answers "kind"`}},
	{"personal step in a person's flow", lines(head, "  - id: a", "    type: text", "    personal: true", "    text: A"),
		[]string{`t.yaml:5: step "a": personal: only for asset flows (every answer of a person's own flow is theirs and goes with them)`}},
	{"step without id, type or text", lines(head, "  - optional: true"),
		[]string{`t.yaml:5: step: missing required key "id"`, `t.yaml:5: step: missing required key "type"`, `t.yaml:5: step: missing required key "text"`}},
}

// consentHead starts a flow that may ask a required consent.
const consentHead = "id: t\ntitle: T\nversion: 1\ndeclined: Bye.\nsteps:"

func TestParseProblems(t *testing.T) {
	for _, tt := range brokenFlows {
		t.Run(tt.name, func(t *testing.T) {
			_, problems := flow.Parse("t.yaml", []byte(tt.yaml))
			var got []string
			for _, p := range problems {
				got = append(got, p.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(tt.want, "\n\t"))
			}
			if problems.Error() != strings.Join(tt.want, "\n") {
				t.Errorf("got Error() %q; want the problems one a line", problems.Error())
			}
		})
	}
}

func TestParseTooBig(t *testing.T) {
	data := []byte(head + "\n" + strings.Repeat("#", 1<<20))
	_, problems := flow.Parse("big.yaml", data)
	want := fmt.Sprintf("big.yaml: file is %d bytes; a flow file may be at most 1048576", len(data))
	if len(problems) != 1 || problems[0].String() != want {
		t.Errorf("got %v; want %s", problems, want)
	}
}

func TestParseGood(t *testing.T) {
	yaml := lines(
		"id: good",
		"title: {en: Good, cy: Da}",
		"version: 4",
		"steps:",
		"  - id: size",
		"    key: shirt_size",
		"    label: Size",
		"    type: choice",
		"    text: Which size, {first_name}?",
		"    options:",
		"      - small: Small",
		"      - {id: large, label: {en: Large, cy: Mawr}}",
		"  - id: why",
		"    type: text",
		"    optional: yes",
		"    text: Why {shirt_size}?",
		"    when: {key: shirt_size, equals: large}",
	)
	f, problems := flow.Parse("good.yaml", []byte(yaml))
	if problems != nil {
		t.Fatalf("got problems %v; want none", problems)
	}
	if f.ID != "good" || f.Version != 4 || f.File != "good.yaml" || f.Title.In("cy") != "Da" || len(f.Steps) != 2 {
		t.Errorf("got flow %+v", f)
	}
	s := f.Step("size")
	if s == nil || s.Key != "shirt_size" || f.StepByKey("shirt_size") != s || s.Line != 5 || s.ShortLabel("cy") != "Size" {
		t.Fatalf("got step %+v; want size with key shirt_size", s)
	}
	if got := []string{s.Options[0].ID, s.Options[1].ID, s.Options[1].Label.In("cy"), s.Options[0].Label.In("cy")}; !slices.Equal(got, []string{"small", "large", "Mawr", "Small"}) {
		t.Errorf("got options %v", got)
	}
	why := f.Step("why")
	if why.Key != "why" || !why.Optional || why.When == nil || why.When.Equals != "large" || why.ShortLabel("en") != "Why {shirt_size}" {
		t.Errorf("got step %+v", why)
	}
	if qs := f.Questions(); len(qs) != 2 {
		t.Errorf("got %d questions; want 2", len(qs))
	}
}

func TestLoadFS(t *testing.T) {
	good := func(id string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(lines("id: "+id, "title: T", "version: 1", "steps:", "  - id: a", "    type: text", "    text: A"))}
	}
	tests := []struct {
		name  string
		fsys  fstest.MapFS
		flows []string
		want  []string
	}{
		{"two flows", fstest.MapFS{"flows/a.yaml": good("one"), "flows/b.yml": good("two"), "flows/notes.txt": {Data: []byte("not a flow")}, "flows/sub/c.yaml": good("three")},
			[]string{"one", "two"}, nil},
		{"duplicate flow id across files", fstest.MapFS{"flows/a.yaml": good("same"), "flows/b.yaml": good("same")},
			[]string{"same"}, []string{`flows/b.yaml:1: flow id "same" is already used by flows/a.yaml`}},
		{"problems of every file, by file and line", fstest.MapFS{
			"flows/b.yaml": {Data: []byte(lines(head, "  - id: a", "    type: txt", "    text: A", "  - id: b", "    type: text", "    txet: B"))},
			"flows/a.yaml": {Data: []byte("")},
			"flows/c.yaml": good("fine"),
		},
			[]string{"fine", "t"}, []string{
				`flows/a.yaml: file is empty: a flow needs id, title, version and steps`,
				`flows/b.yaml:6: step "a": unknown step type "txt" (want one of text, number, choice, multi, yesno, location, info, lookup)`,
				`flows/b.yaml:8: step "b": missing required key "text"`,
				`flows/b.yaml:10: step "b": unknown key "txet" (did you mean "text"?)`,
			}},
		{"no flow files", fstest.MapFS{"flows/readme.md": {Data: []byte("hi")}},
			nil, []string{`flows: no flow files (*.yaml) found`}},
		{"no folder", fstest.MapFS{"other/a.yaml": good("a")},
			nil, []string{`flows: cannot read the flows folder: open flows: file does not exist`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flows, problems := flow.LoadFS(tt.fsys, "flows")
			var ids, got []string
			for id := range flows {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			for _, p := range problems {
				got = append(got, p.String())
			}
			if !slices.Equal(ids, tt.flows) {
				t.Errorf("got flows %v; want %v", ids, tt.flows)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got problems\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(tt.want, "\n\t"))
			}
		})
	}
}
