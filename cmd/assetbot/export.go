package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/assetbot/assetbot/internal/export"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// export runs `assetbot export`.
func (e *environment) export(ctx context.Context, args []string) error {
	fs := e.flagSet("export")
	format := fs.String("format", "csv", "csv or json")
	out := fs.String("out", "", "file to write (default: standard output)")
	flowID := fs.String("flow", "resident", "the flow whose answers to export")
	if err := parse(fs, args); err != nil {
		return err
	}
	write := map[string]func(io.Writer, *flow.Flow, []store.Record) error{"csv": export.CSV, "json": export.JSON}[*format]
	if write == nil {
		fmt.Fprintf(e.stderr, "assetbot export: --format must be csv or json, got %q\n", *format)
		return errUsage
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	fl, err := loadFlows(cfg)
	if err != nil {
		return err
	}
	f, ok := fl[*flowID]
	if !ok {
		return fmt.Errorf("no flow %q (flows available: %v)", *flowID, flowIDs(fl))
	}
	purpose := consentPurpose(f)
	if purpose == "" {
		return fmt.Errorf("flow %q asks no consent, so nothing in it may be exported", f.ID)
	}
	st, err := store.Open(ctx, cfg.Database.Path)
	if err != nil {
		return err
	}
	defer st.Close()
	records, err := st.Consented(ctx, f.ID, purpose)
	if err != nil {
		return err
	}
	if *out == "" {
		return write(e.stdout, f, records)
	}
	// Write beside the target and rename, so a failed export never leaves
	// half a file where a good one was.
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".assetbot-export-*")
	if err != nil {
		return fmt.Errorf("export to %s: %w", *out, err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp, f, records); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("export to %s: %w", *out, err)
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return fmt.Errorf("export to %s: %w", *out, err)
	}
	fmt.Fprintf(e.stderr, "exported %d people to %s\n", len(records), *out)
	return nil
}

// consentPurpose is the purpose the flow's consent step asks for.
func consentPurpose(f *flow.Flow) string {
	for _, s := range f.Steps {
		if s.Consent != "" {
			return s.Consent
		}
	}
	return ""
}

func flowIDs(fl map[string]*flow.Flow) []string {
	ids := make([]string, 0, len(fl))
	for id := range fl {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
