package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/assetbot/assetbot/internal/notice"
)

// privacyNotice prints the privacy notice to hand to residents, in
// Markdown, from the flows and minimum age in use: what the README's
// Privacy section shows for the shipped flows.
func (e *environment) privacyNotice(args []string) error {
	fs := e.flagSet("privacy-notice")
	lang := fs.String("lang", "en", "the language to print it in")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, fl, err := e.configAndFlows()
	if err != nil {
		return err
	}
	people, ok := fl[peopleFlow]
	if !ok {
		return fmt.Errorf("no flow %q, whose consent questions the notice quotes", peopleFlow)
	}
	if offered := people.Languages(); !slices.Contains(offered, *lang) {
		fmt.Fprintf(e.stderr, "assetbot privacy-notice: --lang %q: the %s flow speaks %s\n", *lang, peopleFlow, strings.Join(offered, ", "))
		return errUsage
	}
	_, err = fmt.Fprint(e.stdout, notice.Privacy(people, *lang, cfg.Privacy))
	return err
}
