package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/assetbot/assetbot/internal/audit"
	"github.com/assetbot/assetbot/internal/config"
	"github.com/assetbot/assetbot/internal/export"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// peopleFlow is the flow people answer: its consent decides who may
// appear in any export.
const peopleFlow = "resident"

// export runs `assetbot export`.
func (e *environment) export(ctx context.Context, args []string) error {
	fs := e.flagSet("export")
	format := fs.String("format", "csv", "csv, json, geojson, hsds or kumu")
	out := fs.String("out", "", "file to write (default: standard output); for hsds and kumu, the folder to write their files in")
	flowID := fs.String("flow", peopleFlow, "the people's flow, or for csv a kind of asset (association, place, ...) for its assets")
	links := fs.Bool("links", false, "for csv: the links between people and assets")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch *format {
	case "csv", "json", "geojson", "hsds", "kumu":
	default:
		fmt.Fprintf(e.stderr, "assetbot export: --format must be csv, json, geojson, hsds or kumu, got %q\n", *format)
		return errUsage
	}
	switch {
	case *format != "csv" && *links:
		fmt.Fprintf(e.stderr, "assetbot export: --format %s writes the whole map, links too: it takes no --links\n", *format)
		return errUsage
	case (*format == "hsds" || *format == "kumu") && *out == "":
		fmt.Fprintf(e.stderr, "assetbot export: --format %s writes several files: --out must name a folder for them\n", *format)
		return errUsage
	}
	cfg, fl, err := e.configAndFlows()
	if err != nil {
		return err
	}
	kind, ok := fl[*flowID]
	if !ok {
		return fmt.Errorf("no flow %q: --flow takes %s", *flowID, flowChoices(fl))
	}
	if kind.Asset != nil && (*format != "csv" || *links) {
		fmt.Fprintf(e.stderr, "assetbot export: --flow %s is a kind of asset, for --format csv alone: the other formats and the links hold every kind\n", kind.ID)
		return errUsage
	}
	// A people flow's consent decides who of its people may appear; the
	// people an asset export names are the resident flow's.
	people := kind
	if kind.Asset != nil {
		if people, ok = fl[peopleFlow]; !ok {
			return fmt.Errorf("no flow %q, whose consent decides who may be named in an export", peopleFlow)
		}
	}
	st, err := e.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	ex, err := export.New(st, fl, people)
	if err != nil {
		return err
	}
	// write writes the export and says how many of what it wrote.
	write := func(w io.Writer) (written, error) {
		switch {
		case *format == "json":
			c, err := ex.JSON(ctx, w)
			return written{fmt.Sprintf("%d people, %d assets and %d links", c.People, c.Assets, c.Links), c.People}, err
		case *format == "geojson":
			c, err := ex.GeoJSON(ctx, w, areas(cfg.Areas))
			return written{fmt.Sprintf("%d located assets and %d people counted in %d areas", c.Assets, c.People, len(cfg.Areas)), c.People}, err
		case *links:
			n, err := ex.LinksCSV(ctx, w)
			return written{what: fmt.Sprintf("%d links", n)}, err
		case kind.Asset != nil:
			n, err := ex.AssetsCSV(ctx, w, kind)
			return written{what: fmt.Sprintf("%d %s assets", n, kind.ID)}, err
		}
		n, err := ex.PeopleCSV(ctx, w)
		return written{fmt.Sprintf("%d people", n), n}, err
	}
	detail := *format
	switch {
	case *links:
		detail += " links"
	case *format == "csv":
		detail += " " + kind.ID
	}
	record := func(people int) error {
		return st.Audit(ctx, store.AuditEntry{Who: audit.CLI, Action: audit.Export, People: people, Detail: detail})
	}
	switch *format {
	case "kumu":
		return e.exportFolder(*out, record, func(create export.Create) (written, error) {
			c, err := ex.Kumu(ctx, create)
			return written{fmt.Sprintf("%d people, %d assets and %d links", c.People, c.Assets, c.Links), c.People}, err
		})
	case "hsds":
		return e.exportFolder(*out, record, func(create export.Create) (written, error) {
			c, err := ex.HSDS(ctx, create)
			return written{fmt.Sprintf("%d organisations and %d services at locations", c.Assets, c.Links), c.People}, err
		})
	}
	return e.exportFile(*out, record, write)
}

// fileBuffer is how much of an export is written to its file at a time:
// the exports' own buffers are 4 KB, and a write a call for each of a
// 900 MB JSON export's was a second of system time.
const fileBuffer = 256 << 10

// written is what an export wrote, in words, and how many people it named
// (those it names only at the ends of links are not counted).
type written struct {
	what   string
	people int
}

// exportFile runs write into a file beside out (or, for standard output,
// in the temporary folder), records the export with record, and only
// then puts the file at out or copies it to standard output: a failed
// export never leaves half a file where a good one was, and one whose
// audit cannot be recorded is not released.
func (e *environment) exportFile(out string, record func(people int) error, write func(io.Writer) (written, error)) error {
	dir, where := os.TempDir(), "standard output"
	if out != "" {
		dir, where = filepath.Dir(out), out
	}
	tmp, err := os.CreateTemp(dir, ".assetbot-export-*")
	if err != nil {
		return fmt.Errorf("export to %s: %w", where, err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	buf := bufio.NewWriterSize(tmp, fileBuffer)
	w, err := write(buf)
	if err != nil {
		return err
	}
	if err := buf.Flush(); err != nil {
		return fmt.Errorf("export to %s: %w", where, err)
	}
	if err := record(w.people); err != nil {
		return err
	}
	if out == "" {
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("export to %s: %w", where, err)
		}
		if _, err := io.Copy(e.stdout, tmp); err != nil {
			return fmt.Errorf("export to %s: %w", where, err)
		}
		return nil
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("export to %s: %w", out, err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("export to %s: %w", out, err)
	}
	fmt.Fprintf(e.stderr, "exported %s to %s\n", w.what, out)
	return nil
}

// exportFolder runs write, which creates files with the create it is
// passed, into the folder dir (made if missing). Each file is written
// beside its target and renamed only once all are written and the export
// is recorded with record, so a failed export leaves the files of the
// last good one as they were, and one whose audit cannot be recorded is
// not released.
func (e *environment) exportFolder(dir string, record func(people int) error, write func(export.Create) (written, error)) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("export to %s: %w", dir, err)
	}
	type file struct {
		tmp  *os.File
		buf  *bufio.Writer
		name string
	}
	var files []file
	defer func() {
		for _, f := range files {
			f.tmp.Close()
			os.Remove(f.tmp.Name())
		}
	}()
	create := func(name string) (io.Writer, error) {
		tmp, err := os.CreateTemp(dir, ".assetbot-export-*")
		if err != nil {
			return nil, fmt.Errorf("export to %s: %w", dir, err)
		}
		f := file{tmp, bufio.NewWriterSize(tmp, fileBuffer), name}
		files = append(files, f)
		return f.buf, nil
	}
	w, err := write(create)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := errors.Join(f.buf.Flush(), f.tmp.Close()); err != nil {
			return fmt.Errorf("export to %s: %w", dir, err)
		}
	}
	if err := record(w.people); err != nil {
		return err
	}
	for _, f := range files {
		if err := os.Rename(f.tmp.Name(), filepath.Join(dir, f.name)); err != nil {
			return fmt.Errorf("export to %s: %w", dir, err)
		}
	}
	fmt.Fprintf(e.stderr, "exported %s to %s\n", w.what, dir)
	return nil
}

// areas are the configured areas as the GeoJSON export takes them.
func areas(cfg []config.Area) []export.Area {
	out := make([]export.Area, len(cfg))
	for i, a := range cfg {
		out[i] = export.Area{Name: a.Name, Lat: a.Lat, Lon: a.Lon}
	}
	return out
}

// flowChoices lists what --flow takes: the people flows, then the kinds
// of asset.
func flowChoices(fl map[string]*flow.Flow) string {
	var people, kinds []string
	for _, id := range flowIDs(fl) {
		if fl[id].Asset != nil {
			kinds = append(kinds, id)
		} else {
			people = append(people, id)
		}
	}
	s := strings.Join(people, ", ") + " (people)"
	if len(kinds) > 0 {
		s += " or a kind of asset: " + strings.Join(kinds, ", ")
	}
	return s
}

func flowIDs(fl map[string]*flow.Flow) []string {
	ids := make([]string, 0, len(fl))
	for id := range fl {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
