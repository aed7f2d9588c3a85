package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/flows"
	"github.com/assetbot/assetbot/internal/config"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/notice"
)

// invoke runs the command line with stdin and returns what it printed.
func invoke(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

// configFile writes a config file using a database in a new folder and
// returns its path.
func configFile(t *testing.T, extra string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	data := "database:\n  path: " + filepath.Join(dir, "assetbot.db") + "\n" + extra
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// brokenFlow has three problems, on lines 6, 9 and 10.
const brokenFlow = `id: broken
title: Broken
version: 1
steps:
  - id: first
    type: choise
    text: Pick one
  - id: second
    type: text
    txt: Hello
`

func TestFlowsCheck(t *testing.T) {
	shipped, err := flows.FS.ReadFile("resident.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The flows look each other's assets up, so a folder needs them all.
	all := map[string]string{}
	entries, err := fs.ReadDir(flows.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := flows.FS.ReadFile(e.Name())
		if err != nil {
			t.Fatal(err)
		}
		all[e.Name()] = string(data)
	}
	with := func(name, text string) map[string]string {
		m := maps.Clone(all)
		m[name] = text
		return m
	}
	good := writeFiles(t, with("notes.txt", "not a flow"))
	broken := writeFiles(t, with("broken.yaml", brokenFlow))
	alone := writeFiles(t, map[string]string{"resident.yaml": string(shipped)})
	empty := t.TempDir()
	cfg := configFile(t, "")

	tests := []struct {
		name    string
		args    []string
		wantErr error
		// stdout must match, line by line
		stdout []string
	}{
		{"good folder", []string{"flows", "check", good}, nil, []string{`^6 flow\(s\) OK in ` + regexp.QuoteMeta(good) + `$`}},
		{"built-in flows", []string{"--config", cfg, "flows", "check"}, nil, []string{`^6 flow\(s\) OK in the built-in flows$`}},
		{"config after check", []string{"flows", "check", "--config", cfg}, nil, []string{`^6 flow\(s\) OK in the built-in flows$`}},
		{"lookup without its flow", []string{"flows", "check", alone}, errProblems, []string{
			`^` + regexp.QuoteMeta(filepath.Join(alone, "resident.yaml")) + `:\d+: step "group_name": lookup "association" is not an asset flow of this folder`,
		}},
		{"broken folder", []string{"flows", "check", broken}, errProblems, []string{
			`^` + regexp.QuoteMeta(filepath.Join(broken, "broken.yaml")) + `:6: step "first": unknown step type "choise"`,
			`^` + regexp.QuoteMeta(filepath.Join(broken, "broken.yaml")) + `:8: step "second": missing required key "text"`,
			`^` + regexp.QuoteMeta(filepath.Join(broken, "broken.yaml")) + `:10: step "second": unknown key "txt"`,
		}},
		{"empty folder", []string{"flows", "check", empty}, errProblems, []string{`^` + regexp.QuoteMeta(empty) + `: no flow files`}},
		{"missing folder", []string{"flows", "check", filepath.Join(empty, "nope")}, errProblems, []string{`cannot read the flows folder`}},
		{"no subcommand", []string{"flows"}, errUsage, nil},
		{"unknown subcommand", []string{"flows", "lint", good}, errUsage, nil},
		{"two folders", []string{"flows", "check", good, broken}, errUsage, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := invoke(t, "", tt.args...)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v; want %v (stderr %q)", err, tt.wantErr, stderr)
			}
			lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
			if stdout == "" {
				lines = nil
			}
			if len(lines) != len(tt.stdout) {
				t.Fatalf("stdout has %d lines; want %d:\n%s", len(lines), len(tt.stdout), stdout)
			}
			for i, pattern := range tt.stdout {
				if !regexp.MustCompile(pattern).MatchString(lines[i]) {
					t.Errorf("line %d = %q; want it to match %q", i+1, lines[i], pattern)
				}
			}
			if errors.Is(err, errProblems) && !strings.Contains(stderr, "problem(s) in") {
				t.Errorf("stderr = %q; want a count of problems", stderr)
			}
		})
	}
}

// residentScript answers the whole resident flow and confirms; it is what
// the README shows piped into `assetbot try`.
const residentScript = "yes\n1, 3\nlocal history\n5\n/skip\n1\n2\n1 3\n7\nyes\nyes\nno\nLS6\n1\n"

func TestTry(t *testing.T) {
	cfg := configFile(t, "log:\n  level: warn\n")
	stdout, stderr, err := invoke(t, residentScript, "--config", cfg, "try", "--user", "alice")
	if err != nil {
		t.Fatalf("try: %v\n%s", err, stderr)
	}
	for _, want := range []string{"Hi alice! 👋", "• Skills to share: Cooking, Gardening", "• Area: LS6", "That's all saved."} {
		if !strings.Contains(stdout, want) {
			t.Errorf("try output lacks %q:\n%s", want, stdout)
		}
	}
	if stderr != "" {
		t.Errorf("stderr = %q; want nothing at log level warn", stderr)
	}

	// The same name is recognised next time, with what they said.
	stdout, _, err = invoke(t, "/quit\n", "--config", cfg, "try", "--user", "alice")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "Welcome back, alice!") || !strings.Contains(stdout, "• Area: LS6") {
		t.Errorf("second try = %q; want alice welcomed back with her answers", stdout)
	}

	// --db overrides the config's database.
	other := filepath.Join(t.TempDir(), "other.db")
	if _, _, err := invoke(t, "/quit\n", "--config", cfg, "try", "--user", "alice", "--db", other); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("--db %s: %v", other, err)
	}

	// A flow that is not there is named with those that are.
	if _, _, err := invoke(t, "", "--config", cfg, "try", "--flow", "nope"); err == nil || !strings.Contains(err.Error(), "resident") {
		t.Errorf("try --flow nope: got %v; want an error listing the flows", err)
	}
}

// TestTryREADME runs the scripted session the README shows, as written.
func TestTryREADME(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Skip("no README:", err)
	}
	m := regexp.MustCompile(`printf '([^']*)'`).FindSubmatch(readme)
	if m == nil {
		t.Fatal("README shows no printf script for assetbot try")
	}
	script := strings.ReplaceAll(string(m[1]), `\n`, "\n")
	db := filepath.Join(t.TempDir(), "demo.db")
	stdout, stderr, err := invoke(t, script, "try", "--db", db, "--user", "Sam")
	if err != nil {
		t.Fatalf("try: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "Thank you, Sam! That's all saved.") {
		t.Errorf("the README's session does not end saved:\n%s", stdout)
	}
	if regexp.MustCompile(`(?m)^! `).MatchString(stdout) {
		t.Errorf("the README's session hits a problem:\n%s", stdout)
	}
}

func TestExport(t *testing.T) {
	cfg := configFile(t, "log:\n  level: warn\nareas:\n  - {name: ls6, lat: 53.8195, lon: -1.5766}\n  - {name: LS7, lat: 53.83, lon: -1.54}\n")
	// alice consents and gives an answer that looks like a formula; bob
	// says no.
	formula := strings.Replace(residentScript, "local history", "=1+1", 1)
	// Then each adds a group they are a member of.
	for _, s := range []struct{ user, flow, script string }{
		{"alice", "resident", formula}, {"bob", "resident", "no\n"},
		{"alice", "association", associationScript("=Hyde Park Allotments")}, {"bob", "association", associationScript("Bob's Club")},
	} {
		if _, stderr, err := invoke(t, s.script, "--config", cfg, "try", "--user", s.user, "--flow", s.flow); err != nil {
			t.Fatalf("try %s as %s: %v\n%s", s.flow, s.user, err, stderr)
		}
	}
	dir := t.TempDir()

	t.Run("csv", func(t *testing.T) {
		out := filepath.Join(dir, "people.csv")
		_, stderr, err := invoke(t, "", "--config", cfg, "export", "--format", "csv", "--out", out)
		if err != nil {
			t.Fatalf("export: %v\n%s", err, stderr)
		}
		if !strings.Contains(stderr, "exported 1 people to "+out) {
			t.Errorf("stderr = %q; want a count", stderr)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		text, ok := strings.CutPrefix(string(data), "\uFEFF")
		if !ok {
			t.Error("CSV lacks the UTF-8 byte order mark")
		}
		lines := strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n")
		if len(lines) != 2 {
			t.Fatalf("CSV has %d lines; want a header and alice:\n%q", len(lines), text)
		}
		if !strings.HasPrefix(lines[0], "person_id,first_name,") || !strings.Contains(lines[1], ",alice,") {
			t.Errorf("CSV = %q", text)
		}
		if strings.Contains(text, "bob") {
			t.Error("bob said no but is exported")
		}
		if !strings.Contains(lines[1], ",'=1+1,") {
			t.Errorf("formula not defused: %q", lines[1])
		}
		if strings.ContainsAny(strings.ReplaceAll(text, "\r\n", ""), "\r\n") {
			t.Errorf("a line ends without CRLF: %q", text)
		}
		leftovers, _ := filepath.Glob(filepath.Join(dir, ".assetbot-export-*"))
		if len(leftovers) != 0 {
			t.Errorf("temporary files left: %v", leftovers)
		}
	})

	t.Run("json", func(t *testing.T) {
		out := filepath.Join(dir, "people.json")
		_, stderr, err := invoke(t, "", "--config", cfg, "export", "--format", "json", "--out", out)
		if err != nil {
			t.Fatalf("export: %v\n%s", err, stderr)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Flow   string `json:"flow"`
			People []struct {
				FirstName string `json:"first_name"`
				Answers   []struct {
					Key  string `json:"key"`
					Text string `json:"text"`
				} `json:"answers"`
			} `json:"people"`
			Assets []json.RawMessage `json:"assets"`
			Links  []json.RawMessage `json:"links"`
		}
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatal(err)
		}
		if got.Flow != "resident" || len(got.People) != 1 || got.People[0].FirstName != "alice" || len(got.People[0].Answers) != 10 {
			t.Fatalf("JSON = %s; want alice alone with her 10 answers", data)
		}
		if len(got.Assets) != 2 || len(got.Links) != 1 {
			t.Errorf("JSON has %d assets and %d links; want both groups and alice's membership", len(got.Assets), len(got.Links))
		}
		if !strings.Contains(stderr, "exported 1 people, 2 assets and 1 links to "+out) {
			t.Errorf("stderr = %q; want the counts", stderr)
		}
		for _, a := range got.People[0].Answers {
			if a.Key == "head" && a.Text != "=1+1" {
				t.Errorf("head in JSON = %q; want the answer as given", a.Text)
			}
		}
	})

	t.Run("geojson", func(t *testing.T) {
		out := filepath.Join(dir, "map.geojson")
		_, stderr, err := invoke(t, "", "--config", cfg, "export", "--format", "geojson", "--out", out)
		if err != nil {
			t.Fatalf("export: %v\n%s", err, stderr)
		}
		if !strings.Contains(stderr, "exported 0 located assets and 1 people counted in 2 areas to "+out) {
			t.Errorf("stderr = %q; want the counts", stderr)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Type     string `json:"type"`
			Features []struct {
				Properties map[string]any `json:"properties"`
			} `json:"features"`
		}
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatal(err)
		}
		if got.Type != "FeatureCollection" || len(got.Features) != 2 || got.Features[0].Properties["people"] != 1.0 || got.Features[1].Properties["people"] != 0.0 {
			t.Errorf("GeoJSON = %s; want alice counted in ls6 alone", data)
		}
	})

	t.Run("kumu", func(t *testing.T) {
		out := filepath.Join(dir, "kumu")
		_, stderr, err := invoke(t, "", "--config", cfg, "export", "--format", "kumu", "--out", out)
		if err != nil {
			t.Fatalf("export: %v\n%s", err, stderr)
		}
		if !strings.Contains(stderr, "exported 1 people, 2 assets and 1 links to "+out) {
			t.Errorf("stderr = %q; want the counts", stderr)
		}
		elements, connections := readCSV(t, filepath.Join(out, "elements.csv")), readCSV(t, filepath.Join(out, "connections.csv"))
		if len(elements) != 4 || elements[1][1] != "alice" || len(connections) != 2 || connections[1][0] != elements[1][0] || connections[1][1] != elements[2][0] {
			t.Errorf("elements %q, connections %q; want alice, both groups, and her membership of hers", elements, connections)
		}
		leftovers, _ := filepath.Glob(filepath.Join(out, ".assetbot-export-*"))
		if len(leftovers) != 0 {
			t.Errorf("temporary files left: %v", leftovers)
		}
	})

	t.Run("hsds", func(t *testing.T) {
		out := filepath.Join(dir, "hsds")
		_, stderr, err := invoke(t, "", "--config", cfg, "export", "--format", "hsds", "--out", out)
		if err != nil {
			t.Fatalf("export: %v\n%s", err, stderr)
		}
		if !strings.Contains(stderr, "exported 2 organisations and 0 services at locations to "+out) {
			t.Errorf("stderr = %q; want the counts", stderr)
		}
		for file, rows := range map[string]int{"organizations.csv": 3, "services.csv": 3, "locations.csv": 1, "service_at_location.csv": 1} {
			if got := readCSV(t, filepath.Join(out, file)); len(got) != rows {
				t.Errorf("%s = %q; want %d rows with the header", file, got, rows)
			}
		}
		if _, err := os.Stat(filepath.Join(out, "datapackage.json")); err != nil {
			t.Error(err)
		}
	})

	t.Run("folder is a file", func(t *testing.T) {
		out := filepath.Join(dir, "taken")
		if err := os.WriteFile(out, []byte("mine"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, err := invoke(t, "", "--config", cfg, "export", "--format", "kumu", "--out", out)
		if err == nil || !strings.HasPrefix(err.Error(), "export to "+out+": ") {
			t.Errorf("got %v; want an error saying the export to %s failed", err, out)
		}
		if data, _ := os.ReadFile(out); string(data) != "mine" {
			t.Errorf("%s = %q; want it untouched", out, data)
		}
	})

	t.Run("stdout", func(t *testing.T) {
		stdout, _, err := invoke(t, "", "--config", cfg, "export")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(stdout, "\uFEFFperson_id,") || strings.Count(stdout, "\r\n") != 2 {
			t.Errorf("export to stdout = %q; want CSV by default", stdout)
		}
	})

	t.Run("unknown flow", func(t *testing.T) {
		_, _, err := invoke(t, "", "--config", cfg, "export", "--flow", "nope")
		want := `no flow "nope": --flow takes resident (people) or a kind of asset: association, cultural, economic, organisation, place`
		if err == nil || err.Error() != want {
			t.Errorf("got %v; want %s", err, want)
		}
	})

	t.Run("assets csv", func(t *testing.T) {
		out := filepath.Join(dir, "groups.csv")
		_, stderr, err := invoke(t, "", "--config", cfg, "export", "--format", "csv", "--flow", "association", "--out", out)
		if err != nil {
			t.Fatalf("export: %v\n%s", err, stderr)
		}
		if !strings.Contains(stderr, "exported 2 association assets to "+out) {
			t.Errorf("stderr = %q; want a count of assets", stderr)
		}
		rows := readCSV(t, out)
		if len(rows) != 3 || rows[0][0] != "asset_id" || rows[1][2] != "'=Hyde Park Allotments" || rows[2][2] != "Bob's Club" {
			t.Fatalf("CSV = %q; want both groups, alice's name defused", rows)
		}
		if rows[1][6] == "" || rows[2][6] != "" {
			t.Errorf("added_by = %q, %q; want alice's id and nothing for bob, who said no", rows[1][6], rows[2][6])
		}
	})

	t.Run("links csv", func(t *testing.T) {
		out := filepath.Join(dir, "links.csv")
		_, stderr, err := invoke(t, "", "--config", cfg, "export", "--links", "--out", out)
		if err != nil {
			t.Fatalf("export: %v\n%s", err, stderr)
		}
		if !strings.Contains(stderr, "exported 1 links to "+out) {
			t.Errorf("stderr = %q; want a count of links", stderr)
		}
		rows := readCSV(t, out)
		if len(rows) != 2 || rows[1][1] != "member_of" || rows[1][4] != "alice" || rows[1][7] != "'=Hyde Park Allotments" {
			t.Errorf("CSV = %q; want alice's membership alone, not bob's", rows)
		}
	})

	// Each export made is in the audit, oldest first, with how many
	// people it named; the failed one is not.
	t.Run("audited", func(t *testing.T) {
		want := []string{"cli export 1 csv resident", "cli export 1 json", "cli export 1 geojson", "cli export 1 kumu", "cli export 0 hsds",
			"cli export 1 csv resident", "cli export 0 csv association", "cli export 0 csv links"}
		if got := auditRows(t, cfg); !slices.Equal(got, want) {
			t.Errorf("audit:\n  got  %q\n  want %q", got, want)
		}
	})
}

// associationScript adds a group called name in `assetbot try`, as a
// member, and confirms it.
func associationScript(name string) string {
	return name + "\nLS6\n1\nGrows veg\n4\n/skip\n/skip\n2\n/skip\n/skip\n/skip\n/skip\n1\n"
}

// readCSV reads an exported CSV file.
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestUsage(t *testing.T) {
	cfg := configFile(t, "")
	tests := []struct {
		name       string
		args       []string
		wantErr    error
		wantStderr string
	}{
		{"nothing", nil, errUsage, "Usage:"},
		{"unknown command", []string{"fly"}, errUsage, `unknown command "fly"`},
		{"unknown flag", []string{"--nope", "try"}, errUsage, "flag provided but not defined"},
		{"try with an unknown flag", []string{"--config", cfg, "try", "--nope"}, errUsage, "-nope"},
		{"try with an argument", []string{"--config", cfg, "try", "alice"}, errUsage, `unexpected argument "alice"`},
		{"export format", []string{"--config", cfg, "export", "--format", "xml"}, errUsage, `--format must be csv, json, geojson, hsds or kumu, got "xml"`},
		{"export folder without out", []string{"--config", cfg, "export", "--format", "kumu"}, errUsage, "--format kumu writes several files: --out must name a folder"},
		{"export geojson of links", []string{"--config", cfg, "export", "--format", "geojson", "--links"}, errUsage, "--format geojson writes the whole map, links too"},
		{"export hsds of a kind", []string{"--config", cfg, "export", "--format", "hsds", "--flow", "place", "--out", "x"}, errUsage, "--flow place is a kind of asset, for --format csv alone"},
		{"export with an argument", []string{"--config", cfg, "export", "out.csv"}, errUsage, `unexpected argument "out.csv"`},
		{"export json of a kind", []string{"--config", cfg, "export", "--format", "json", "--flow", "place"}, errUsage, "--flow place is a kind of asset, for --format csv alone"},
		{"export json of links", []string{"--config", cfg, "export", "--format", "json", "--links"}, errUsage, "--format json writes the whole map, links too"},
		{"export links of a kind", []string{"--config", cfg, "export", "--links", "--flow", "place"}, errUsage, "--flow place is a kind of asset, for --format csv alone"},
		{"help", []string{"help"}, nil, ""},
		{"-h", []string{"-h"}, nil, "Usage:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, err := invoke(t, "", tt.args...)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v; want %v", err, tt.wantErr)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr = %q; want it to contain %q", stderr, tt.wantStderr)
			}
		})
	}
}

func TestMissingConfig(t *testing.T) {
	_, _, err := invoke(t, "", "--config", filepath.Join(t.TempDir(), "none.yaml"), "export")
	if err == nil || errors.Is(err, errUsage) || !strings.Contains(err.Error(), "config") {
		t.Errorf("got %v; want a config error", err)
	}
}

func TestBrokenFlowsStopCommands(t *testing.T) {
	broken := writeFiles(t, map[string]string{"broken.yaml": brokenFlow})
	cfg := configFile(t, "flows:\n  dir: "+broken+"\n")
	for _, cmd := range []string{"try", "export"} {
		t.Run(cmd, func(t *testing.T) {
			_, _, err := invoke(t, "", "--config", cfg, cmd)
			if err == nil || !strings.Contains(err.Error(), "assetbot flows check") || !strings.Contains(err.Error(), "broken.yaml:6:") {
				t.Errorf("got %v; want the flows' problems and a pointer to flows check", err)
			}
		})
	}
}

// privacyAged is the default privacy settings with the minimum age age.
func privacyAged(age int) config.Privacy {
	p := config.Default().Privacy
	p.MinAge = age
	return p
}

func TestPrivacyNotice(t *testing.T) {
	fl, problems := flow.LoadFS(flows.FS, ".")
	if problems != nil {
		t.Fatal(problems)
	}
	tests := []struct {
		name, config string
		args         []string
		want         string
		err          error
	}{
		{"default", "", nil, notice.Privacy(fl["resident"], "en", config.Default().Privacy), nil},
		{"Welsh, 18", "privacy:\n  min_age: 18\n", []string{"--lang", "cy"}, notice.Privacy(fl["resident"], "cy", privacyAged(18)), nil},
		{"a language the flow does not speak", "", []string{"--lang", "fr"}, "", errUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--config", configFile(t, tt.config), "privacy-notice"}, tt.args...)
			stdout, stderr, err := invoke(t, "", args...)
			if !errors.Is(err, tt.err) || stdout != tt.want {
				t.Errorf("got %v, stdout:\n%s\nstderr: %s\nwant %v and the notice", err, stdout, stderr, tt.err)
			}
			if tt.err != nil && !strings.Contains(stderr, `--lang "fr": the resident flow speaks en, cy`) {
				t.Errorf("stderr %q; want the languages offered", stderr)
			}
		})
	}
}
