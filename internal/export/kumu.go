package export

import (
	"context"
	"io"
	"strconv"

	"github.com/assetbot/assetbot/internal/store"
)

// Create opens the file called name of an export that writes several
// files (a folder of them); whoever passes it closes them.
type Create func(name string) (io.Writer, error)

// The files of the Kumu export, and their headers: Kumu matches the
// connections' From and To against the elements' ID column (Kumu's import
// guide), so connections need no labels of their own.
const (
	KumuElements    = "elements.csv"
	KumuConnections = "connections.csv"
)

var (
	kumuElementsHeader    = []string{"ID", "Label", "Type", "Description", "Tags"}
	kumuConnectionsHeader = []string{"From", "To", "Type"}
)

// kumuPersonType is the Type of people in Kumu; assets have their kind.
const kumuPersonType = "person"

// kumuTagSep separates several values in a Kumu cell.
const kumuTagSep = "|"

// categoryKey is the asset flows' question of what kind of thing an asset
// is: its categories, Kumu's tags.
const categoryKey = "kind"

// kumuPerson is a person's element ID: people have no uid, and Kumu needs
// IDs that differ from the assets' uids.
func kumuPerson(id int64) string {
	return "person-" + strconv.FormatInt(id, 10)
}

// Kumu writes the map as a Kumu network, in two CSV files it creates
// (UTF-8 with a byte order mark, like the CSV export): elements.csv, each
// consenting person (by first name) and each asset (by name, with its
// kind as Type, its area as Description and its categories as Tags); and
// connections.csv, the links between them, leaving out any with an end at
// a person who did not consent. It holds each asset's uid in memory to
// name the ends of links, never the people.
func (e *Exporter) Kumu(ctx context.Context, create Create) (Counts, error) {
	var c Counts
	elements, err := startTable(create, KumuElements, utf8BOM, kumuElementsHeader)
	if err != nil {
		return c, err
	}
	err = e.st.ConsentedPeople(ctx, e.purpose, func(r store.Record) error {
		c.People++
		return elements.write([]string{kumuPerson(r.Person.ID), cell(r.Person.FirstName), kumuPersonType, "", ""})
	})
	if err != nil {
		return c, err
	}
	uids := map[int64]string{}
	err = e.st.ConsentedAssets(ctx, "", e.purpose, func(a store.Asset) error {
		c.Assets++
		uids[a.ID] = a.UID
		var tags string
		if v, ok := a.Fields[categoryKey]; ok {
			tags = e.readable(e.flows[a.Kind], categoryKey, v, kumuTagSep)
		}
		return elements.write([]string{a.UID, cell(a.Name), a.Kind, cell(a.Area), cell(tags)})
	})
	if err != nil {
		return c, err
	}
	if err := elements.flush(); err != nil {
		return c, err
	}
	connections, err := startTable(create, KumuConnections, utf8BOM, kumuConnectionsHeader)
	if err != nil {
		return c, err
	}
	end := func(e store.End) (string, bool) {
		if e.Person != 0 {
			return kumuPerson(e.Person), true
		}
		uid, ok := uids[e.Asset]
		return uid, ok
	}
	err = e.st.ConsentedLinks(ctx, e.purpose, func(l store.NamedLink) error {
		from, okFrom := end(l.From)
		to, okTo := end(l.To)
		// An asset added since the elements were read is not among them.
		if !okFrom || !okTo {
			return nil
		}
		c.Links++
		return connections.write([]string{from, to, l.Type})
	})
	if err != nil {
		return c, err
	}
	return c, connections.flush()
}

// startTable creates the file name and starts a table in it.
func startTable(create Create, name, prefix string, header []string) (*table, error) {
	w, err := create(name)
	if err != nil {
		return nil, err
	}
	return newTable(w, prefix, header)
}
