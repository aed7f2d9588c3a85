package bot

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/assetbot/assetbot/internal/audit"
	"github.com/assetbot/assetbot/internal/export"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// cmdExport is the organisers' /export (see organiserCommands).
const cmdExport = "/export"

// cbExport is the kind of an /export format button's callback data.
const cbExport = "ex"

// maxUploadBytes is the largest file a bot may upload to Telegram (the
// Bot API's sendDocument limit): a bigger export is refused, not sent.
const maxUploadBytes = 50 << 20

// exportTimeout bounds building and queuing one export.
const exportTimeout = 5 * time.Minute

// exportFormat is one of the files /export sends: its id (as typed after
// /export and in its button), its button's label, the file's name, and
// how to write it, which says how many people it named.
type exportFormat struct {
	id, label, file string
	write           func(ctx context.Context, ex *Exports, w io.Writer) (people int, err error)
}

// exportFormats are /export's formats, in the order of their buttons.
var exportFormats = []exportFormat{
	{id: "csv", label: "CSV", file: "people.csv", write: func(ctx context.Context, ex *Exports, w io.Writer) (int, error) {
		return ex.Exporter.PeopleCSV(ctx, w)
	}},
	{id: "json", label: "JSON", file: "map.json", write: func(ctx context.Context, ex *Exports, w io.Writer) (int, error) {
		c, err := ex.Exporter.JSON(ctx, w)
		return c.People, err
	}},
	{id: "geojson", label: "GeoJSON", file: "map.geojson", write: func(ctx context.Context, ex *Exports, w io.Writer) (int, error) {
		c, err := ex.Exporter.GeoJSON(ctx, w, ex.Areas)
		return c.People, err
	}},
	{id: "kumu", label: "Kumu", file: "kumu.zip", write: zipped(func(ctx context.Context, ex *Exports, create export.Create) (export.Counts, error) {
		return ex.Exporter.Kumu(ctx, create)
	})},
	{id: "hsds", label: "HSDS", file: "hsds.zip", write: zipped(func(ctx context.Context, ex *Exports, create export.Create) (export.Counts, error) {
		return ex.Exporter.HSDS(ctx, create)
	})},
}

// Exports is what /export writes from: the map's exporter and the areas
// people are counted in on the GeoJSON map.
type Exports struct {
	Exporter *export.Exporter
	Areas    []export.Area
}

// WithExports lets organisers ask for the map's exports with /export.
func WithExports(ex *Exports) Option { return func(b *Bot) { b.exports = ex } }

// errTooBig stops writing an export bigger than Telegram takes.
var errTooBig = errors.New("the export is larger than Telegram takes")

// cappedWriter counts what is written through it, into w, and refuses to
// pass maxUploadBytes in all: several writers may share one count (the
// files of one zip), so that a large map never puts more than that in
// memory.
type cappedWriter struct {
	w     io.Writer
	total *int
}

func (c cappedWriter) Write(p []byte) (int, error) {
	if *c.total+len(p) > maxUploadBytes {
		return 0, errTooBig
	}
	*c.total += len(p)
	return c.w.Write(p)
}

// zipped turns an export that writes a folder of files into one written
// as a zip of them. The exports write their files side by side, and a zip
// takes one file at a time, so the files are held in memory (together
// within the upload limit) until all are written.
func zipped(write func(ctx context.Context, ex *Exports, create export.Create) (export.Counts, error)) func(context.Context, *Exports, io.Writer) (int, error) {
	return func(ctx context.Context, ex *Exports, w io.Writer) (int, error) {
		type file struct {
			name string
			data *bytes.Buffer
		}
		var files []file
		var held int
		create := func(name string) (io.Writer, error) {
			f := file{name: name, data: &bytes.Buffer{}}
			files = append(files, f)
			return cappedWriter{w: f.data, total: &held}, nil
		}
		c, err := write(ctx, ex, create)
		if err != nil {
			return 0, err
		}
		zw := zip.NewWriter(w)
		for _, f := range files {
			fw, err := zw.Create(f.name)
			if err != nil {
				return 0, fmt.Errorf("zip %s: %w", f.name, err)
			}
			if _, err := f.data.WriteTo(fw); err != nil {
				return 0, fmt.Errorf("zip %s: %w", f.name, err)
			}
		}
		if err := zw.Close(); err != nil {
			return 0, fmt.Errorf("zip the export: %w", err)
		}
		return c.People, nil
	}
}

// exportFormatByID returns the format with the id, ok false if none has it.
func exportFormatByID(id string) (exportFormat, bool) {
	i := slices.IndexFunc(exportFormats, func(f exportFormat) bool { return f.id == id })
	if i < 0 {
		return exportFormat{}, false
	}
	return exportFormats[i], true
}

// exportFormatIDs lists the formats' ids for a message.
func exportFormatIDs() string {
	ids := make([]string, len(exportFormats))
	for i, f := range exportFormats {
		ids[i] = f.id
	}
	return strings.Join(ids, ", ")
}

// decideExportPress reads an /export format button: ok is false for data
// of any other kind.
func decideExportPress(a action, data string) (action, bool) {
	kind, format, _ := strings.Cut(data, ":")
	if kind != cbExport {
		return a, false
	}
	a.kind, a.command, a.args = actExport, cmdExport, format
	return a, true
}

// exportCommand carries out /export and its buttons: with no format, the
// formats as buttons; with one, the export as a document. Like /digest,
// the export reads the whole map, so it is built and queued only once
// this update's transaction commits, outside it.
func (b *Bot) exportCommand(tx *store.Tx, a action) ([]outMsg, error) {
	lang, err := b.svc.PersonLanguage(tx, a.id)
	if err != nil {
		return nil, err
	}
	if b.exports == nil {
		return nil, errors.New("export: the bot was started without exports")
	}
	r := b.renderer(a.chatID, lang)
	format := strings.ToLower(strings.TrimSpace(a.args))
	if format == "" {
		rows := make([][]tgbotapi.InlineKeyboardButton, len(exportFormats))
		for i, f := range exportFormats {
			rows[i] = tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(f.label, cbExport+":"+f.id))
		}
		r.add(outMsg{Method: methodSend, Text: r.text(flow.MsgExportChoose), Markup: mustJSON(tgbotapi.InlineKeyboardMarkup{InlineKeyboard: rows})})
		return r.out, nil
	}
	f, ok := exportFormatByID(format)
	if !ok {
		return r.say(a.press, flow.MsgExportUnknown, "format", truncate(format, maxCommandEcho), "formats", exportFormatIDs()), nil
	}
	chatID, organiser := a.chatID, a.id.UserID
	tx.OnCommit(func() {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), exportTimeout)
			defer cancel()
			if err := b.queueExport(ctx, r, chatID, organiser, f); err != nil {
				b.log.Error("send an export", "chat_id", chatID, "format", f.id, "err", err)
			}
		}()
	})
	return r.say(a.press, flow.MsgExportMaking, "format", f.label), nil
}

// queueExport builds the export in format f and queues it to the
// organiser's chat as a document, with its audit entry (if that cannot be
// written, neither is the document queued); one too big for Telegram, or
// that cannot be made, is queued as a message saying so.
func (b *Bot) queueExport(ctx context.Context, r *renderer, chatID int64, organiser string, f exportFormat) error {
	var buf bytes.Buffer
	var written int
	msg := outMsg{Method: methodDocument, ChatID: chatID, FileName: f.file}
	people, made := f.write(ctx, b.exports, cappedWriter{w: &buf, total: &written})
	switch {
	case errors.Is(made, errTooBig):
		msg = outMsg{Method: methodSend, ChatID: chatID, Text: r.text(flow.MsgExportTooBig, "format", f.id)}
	case made != nil:
		msg = outMsg{Method: methodSend, ChatID: chatID, Text: r.text(flow.MsgExportFailed, "format", f.label)}
	default:
		msg.Document = buf.Bytes()
	}
	err := b.store.Update(ctx, func(tx *store.Tx) error {
		if msg.Document != nil {
			if err := tx.Audit(store.AuditEntry{Who: organiser, Action: audit.Export, People: people, Detail: f.id}); err != nil {
				return err
			}
		}
		_, err := enqueue(tx, msg, true)
		return err
	})
	if err != nil {
		return fmt.Errorf("queue the %s export: %w", f.id, err)
	}
	if made != nil && !errors.Is(made, errTooBig) {
		return fmt.Errorf("make the %s export: %w", f.id, made)
	}
	return nil
}
