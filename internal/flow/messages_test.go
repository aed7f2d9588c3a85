package flow_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/assetbot/assetbot/flows"
	"github.com/assetbot/assetbot/internal/flow"
)

// TestBuiltinCatalogue checks that the shipped catalogue holds every
// message id in every shipped language, and nothing else.
func TestBuiltinCatalogue(t *testing.T) {
	data, err := flows.FS.ReadFile(flow.CatalogueFile)
	if err != nil {
		t.Fatal(err)
	}
	m, problems := flow.ParseCatalogue(flow.CatalogueFile, data, true)
	if problems != nil {
		t.Fatalf("built-in catalogue has problems:\n%v", problems)
	}
	for _, id := range flow.MessageIDs() {
		for _, lang := range []string{"en", "cy"} {
			if strings.TrimSpace(m[id][lang]) == "" {
				t.Errorf("message %q has no %s text", id, lang)
			}
		}
	}
	if len(m) != len(flow.MessageIDs()) {
		t.Errorf("catalogue holds %d messages; want the %d ids", len(m), len(flow.MessageIDs()))
	}
}

// translated is a flow offering lang (French unless changed) with every
// text in it; hint, if set, replaces the hint line of step b.
func translated(lang, hint string) string {
	if hint == "" {
		hint = fmt.Sprintf("    hint: {en: Or skip., %s: Ou passez.}", lang)
	}
	return lines(
		"id: t",
		fmt.Sprintf("title: {en: T, %s: T}", lang),
		"version: 1",
		"steps:",
		"  - id: a",
		"    type: choice",
		fmt.Sprintf("    text: {en: Pick, %s: Choisissez}", lang),
		"    options:",
		fmt.Sprintf("      - x: {en: X, %s: X}", lang),
		"  - id: b",
		"    type: text",
		"    optional: true",
		fmt.Sprintf("    text: {en: Why, %s: Pourquoi}", lang),
		hint,
	)
}

// frenchCatalogue is a messages.yaml with a French text for every message
// id except those in missing, plus extra lines.
func frenchCatalogue(missing []string, extra ...string) *fstest.MapFile {
	var b strings.Builder
	for _, id := range flow.MessageIDs() {
		if !slices.Contains(missing, id) {
			fmt.Fprintf(&b, "%q: {fr: \"fr %s\"}\n", id, id)
		}
	}
	for _, l := range extra {
		b.WriteString(l + "\n")
	}
	return &fstest.MapFile{Data: []byte(b.String())}
}

// TestLoadFSTranslations checks that flows check reports every text and
// message missing from a language a flow offers, and unknown message ids,
// each with its file and line.
func TestLoadFSTranslations(t *testing.T) {
	welsh := func(hint string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(strings.ReplaceAll(translated("cy", hint), "Choisissez", "Dewiswch"))}
	}
	tests := []struct {
		name string
		fsys fstest.MapFS
		want []string
	}{
		{"welsh, complete with the built-in catalogue", fstest.MapFS{"flows/t.yaml": welsh("")}, nil},
		{"a step text without welsh", fstest.MapFS{"flows/t.yaml": welsh("    hint: Or skip.")},
			[]string{`flows/t.yaml:10: step "b": no "cy" text for hint`}},
		{"an option and a title without welsh", fstest.MapFS{"flows/t.yaml": {Data: []byte(strings.NewReplacer("title: {en: T, cy: T}", "title: T", "x: {en: X, cy: X}", "x: X").Replace(translated("cy", "")))}},
			[]string{`flows/t.yaml:2: flow: no "cy" text for title`, `flows/t.yaml:9: step "a": no "cy" text for option "x"`}},
		{"french, complete with the folder's catalogue", fstest.MapFS{"flows/t.yaml": {Data: []byte(translated("fr", ""))}, "flows/messages.yaml": frenchCatalogue(nil)}, nil},
		{"a catalogue message without french", fstest.MapFS{"flows/t.yaml": {Data: []byte(translated("fr", ""))}, "flows/messages.yaml": frenchCatalogue([]string{flow.MsgButtonDone})},
			[]string{`flows/t.yaml:2: messages: no "fr" translation for "done"`}},
		{"the flow's own messages fill the gap", fstest.MapFS{
			"flows/t.yaml":        {Data: []byte(strings.Replace(translated("fr", ""), "steps:", "messages:\n  done: {en: Done, fr: Fini}\nsteps:", 1))},
			"flows/messages.yaml": frenchCatalogue([]string{flow.MsgButtonDone}),
		}, nil},
		{"an unknown message in the folder's catalogue", fstest.MapFS{"flows/t.yaml": welsh(""), "flows/messages.yaml": {Data: []byte(lines("done: {cy: Wedi gorffen}", "dnoe: {en: Finished}"))}},
			[]string{`flows/messages.yaml:2: messages.yaml: unknown message "dnoe" (did you mean "done"?)`}},
		{"an unknown message in a flow", fstest.MapFS{"flows/t.yaml": {Data: []byte(strings.Replace(translated("cy", ""), "steps:", "messages:\n  pasued: {en: Paused.}\nsteps:", 1))}},
			[]string{`flows/t.yaml:5: messages: unknown message "pasued" (did you mean "paused"?)`}},
		{"a placeholder nothing fills in", fstest.MapFS{"flows/t.yaml": welsh(""), "flows/messages.yaml": {Data: []byte(lines("too_long: {cy: 'Dim mwy na {maxx} nod'}", "keep: {en: 'Keep {answer}'}"))}},
			[]string{`flows/messages.yaml:1: messages.yaml.too_long.cy: {maxx} is not filled in for this message (did you mean "max"?)`}},
		{"a folder catalogue that does not parse", fstest.MapFS{"flows/t.yaml": welsh(""), "flows/messages.yaml": {Data: []byte("done: [")}},
			[]string{`flows/messages.yaml:1: YAML syntax: did not find expected node content`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, problems := flow.LoadFS(tt.fsys, "flows")
			var got []string
			for _, p := range problems {
				got = append(got, p.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got problems\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(tt.want, "\n\t"))
			}
		})
	}
}

// TestMsgLayers checks the order in which a message is looked up: the
// flow's own, the folder's catalogue, the built-in one, each in the
// person's language before any falls back to English.
func TestMsgLayers(t *testing.T) {
	fsys := fstest.MapFS{
		"flows/t.yaml": {Data: []byte(strings.Replace(translated("cy", ""), "steps:", "messages:\n  done: {en: Finished}\n  skip: {en: Pass, cy: Pasio}\nsteps:", 1))},
		"flows/messages.yaml": {Data: []byte(lines(
			"back: {cy: Nôl}",
			"paused: {en: On hold.}",
		))},
	}
	fl, problems := flow.LoadFS(fsys, "flows")
	if problems != nil {
		t.Fatal(problems)
	}
	f := fl["t"]
	tests := []struct{ id, lang, want string }{
		{flow.MsgButtonDone, "en", "Finished"},   // the flow's own
		{flow.MsgButtonDone, "cy", "Gorffen ✔️"}, // the flow has no Welsh: the built-in Welsh, not the flow's English
		{flow.MsgButtonSkip, "cy-GB", "Pasio"},   // base language
		{flow.MsgButtonBack, "cy", "Nôl"},        // the folder's catalogue
		{flow.MsgButtonBack, "en", "« Back"},     // the built-in English under a Welsh-only override
		{flow.MsgPaused, "en", "On hold."},
		{flow.MsgButtonBack, "de", "« Back"}, // a language nobody has: English
	}
	for _, tt := range tests {
		if got := f.Msg(tt.id, tt.lang); got != tt.want {
			t.Errorf("Msg(%q, %q) = %q; want %q", tt.id, tt.lang, got, tt.want)
		}
	}
	if got := f.Text(flow.MsgUnknownCommand, "cy", "command", "/foo"); !strings.Contains(got, "/foo") || strings.Contains(got, "{command}") {
		t.Errorf("Text filled in %q; want the command in place of {command}", got)
	}
	if got := f.Languages(); !slices.Equal(got, []string{"en", "cy"}) {
		t.Errorf("Languages() = %v; want [en cy]", got)
	}
}

// TestBest checks how a channel's language tag picks an offered language.
func TestBest(t *testing.T) {
	offered := []string{"en", "cy", "pt-BR"}
	tests := []struct{ tag, want string }{
		{"cy", "cy"},
		{"cy-GB", "cy"},
		{"CY", "cy"},
		{"en-US", "en"},
		{"en", "en"},
		{"pt-BR", "pt-BR"},
		{"pt", "en"}, // only Brazilian Portuguese is offered
		{"de", "en"},
		{"", "en"},
		{" cy ", "cy"},
	}
	for _, tt := range tests {
		if got := flow.Best(offered, tt.tag); got != tt.want {
			t.Errorf("Best(%q) = %q; want %q", tt.tag, got, tt.want)
		}
	}
}

// FuzzParseCatalogue checks that a messages.yaml, however broken, never
// panics, names its problems by file and line, and yields only known ids.
func FuzzParseCatalogue(f *testing.F) {
	f.Add([]byte("done: {cy: Gorffen}\n"))
	f.Add([]byte("dnoe: Done\n"))
	f.Add([]byte("too_long: {en: 'At most {max}', cy: 'Dim mwy na {maxx}'}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("- done\n"))
	f.Add([]byte("done: {en: [x]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, problems := flow.ParseCatalogue("messages.yaml", data, false)
		for _, p := range problems {
			if p.File != "messages.yaml" || p.Line < 0 || p.Msg == "" {
				t.Fatalf("got problem %+v; want file, line and message", p)
			}
		}
		for id := range m {
			if !slices.Contains(flow.MessageIDs(), id) {
				t.Fatalf("got unknown id %q", id)
			}
		}
	})
}
