package main

import (
	"errors"
	"fmt"
	"slices"

	"github.com/assetbot/assetbot/internal/config"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/spelling"
)

// checkAim checks that each of aim.options is an option id of a flow in
// use: one that is not (a typo, or a label written for an id) would
// silently match nothing.
func checkAim(aim config.Aim, flows map[string]*flow.Flow) error {
	if len(aim.Options) == 0 {
		return nil
	}
	var ids []string
	for _, f := range flows {
		for _, s := range f.Steps {
			for _, o := range s.Options {
				ids = append(ids, o.ID)
			}
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var problems []error
	for i, o := range aim.Options {
		if _, found := slices.BinarySearch(ids, o); found {
			continue
		}
		hint := ""
		if c := spelling.Closest(o, ids); c != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", c)
		}
		problems = append(problems, fmt.Errorf("aim.options[%d]: no flow has an option %q%s", i, o, hint))
	}
	if problems != nil {
		return fmt.Errorf("config:\n%w", errors.Join(problems...))
	}
	return nil
}
