package export_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/assetbot/assetbot/internal/export"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// exportHSDS exports w's map as HSDS into memory.
func exportHSDS(t *testing.T, w *world) (folder, export.Counts) {
	t.Helper()
	files := folder{}
	c, err := exporter(t, w).HSDS(context.Background(), files.create)
	if err != nil {
		t.Fatal(err)
	}
	return files, c
}

func TestHSDS(t *testing.T) {
	w := newWorld(t)
	m := newMap(t, w)
	// An organisation with a point of its own that owns the hall.
	councilPoint := flow.Location{Lat: 53.7997, Lon: -1.5492}
	w.at(t, confirmed, func(tx *store.Tx) error {
		council, err := tx.CreateAsset(store.Asset{Kind: "organisation", Name: "Leeds Council", Area: "Leeds", Point: &councilPoint, FlowVersion: 1,
			Fields: map[string]flow.Value{"name": {Text: "Leeds Council"}, "services": {Text: "Libraries"}, "spaces": {Skipped: true}}}, m.bob)
		if err != nil {
			return err
		}
		return tx.ReplaceLinks("place/owner", []store.Link{{Type: flow.LinkOwns, From: store.AssetEnd(council.ID), To: store.AssetEnd(m.hall), RecordedBy: m.ada}})
	})
	files, c := exportHSDS(t, w)
	if want := (export.Counts{Assets: 5, Links: 3}); c != want {
		t.Errorf("counts %+v; want %+v", c, want)
	}

	required := map[string][]string{
		"organizations.csv":       {"id", "name", "description"},
		"services.csv":            {"id", "name", "status", "organization_id"},
		"locations.csv":           {"id", "location_type"},
		"service_at_location.csv": {"id", "service_id", "location_id"},
	}
	rows := map[string][]map[string]string{}
	ids := map[string]map[string]bool{}
	for name, cols := range required {
		header, r := files.table(t, name, false)
		rows[name] = r
		ids[name] = map[string]bool{}
		for _, col := range cols {
			if !slices.Contains(header, col) {
				t.Errorf("%s lacks required column %s: %q", name, col, header)
			}
		}
		for _, row := range r {
			for _, col := range cols {
				if row[col] == "" {
					t.Errorf("%s: row %v has no %s", name, row, col)
				}
			}
			if u, err := uuid.Parse(row["id"]); err != nil || u.String() != row["id"] {
				t.Errorf("%s: id %q is not a UUID", name, row["id"])
			}
			ids[name][row["id"]] = true
		}
	}
	for _, fk := range []struct{ file, col, to string }{
		{"services.csv", "organization_id", "organizations.csv"},
		{"locations.csv", "organization_id", "organizations.csv"},
		{"service_at_location.csv", "service_id", "services.csv"},
		{"service_at_location.csv", "location_id", "locations.csv"},
	} {
		for _, row := range rows[fk.file] {
			if v := row[fk.col]; v != "" && !ids[fk.to][v] {
				t.Errorf("%s: %s %q is no id in %s", fk.file, fk.col, v, fk.to)
			}
		}
	}

	for _, tt := range []struct {
		file string
		n    int
	}{{"organizations.csv", 5}, {"services.csv", 5}, {"locations.csv", 2}, {"service_at_location.csv", 3}} {
		if got := len(rows[tt.file]); got != tt.n {
			t.Errorf("%s has %d rows; want %d", tt.file, got, tt.n)
		}
	}
	org := rows["organizations.csv"][0]
	if org["name"] != "Hyde Park Allotment Society" || org["description"] != "Grows veg" {
		t.Errorf("first organization %v; want the allotment, described by its purpose", org)
	}
	if rtl := rows["organizations.csv"][2]; rtl["name"] != "جمعية حديقة الحي" {
		t.Errorf("organization %v; want the RTL name as given", rtl)
	}
	service := rows["services.csv"][0]
	if service["status"] != "active" || service["description"] != "What it does: Grows veg" || service["assured_date"] != "2026-03-15" {
		t.Errorf("allotment's service %v; want active, what it does, when last checked", service)
	}
	if council := rows["services.csv"][4]; council["description"] != "What it does: Libraries" {
		t.Errorf("council's service %v; want what it does, not the skipped spaces", council)
	}
	hall := rows["locations.csv"][0]
	if hall["name"] != "St Mark's Hall" || hall["location_type"] != "physical" || hall["latitude"] != "53.8123" || hall["longitude"] != "-1.5601" || hall["organization_id"] != "" {
		t.Errorf("hall %v; want a physical location at its point", hall)
	}

	for name, b := range files {
		for _, person := range []string{"HYPERLINK", "Bob", "LS7"} {
			if strings.Contains(b.String(), person) {
				t.Errorf("%s names a person (%q)", name, person)
			}
		}
	}

	// The package lists each table with the columns it has.
	var pkg struct {
		Profile   string `json:"profile"`
		Resources []struct {
			Name, Path string
			Schema     struct {
				Fields []struct {
					Name string `json:"name"`
				} `json:"fields"`
				PrimaryKey  string `json:"primaryKey"`
				ForeignKeys []struct {
					Fields    string `json:"fields"`
					Reference struct {
						Resource string `json:"resource"`
					} `json:"reference"`
				} `json:"foreignKeys"`
			}
		}
	}
	if err := json.Unmarshal(files[export.HSDSPackage].Bytes(), &pkg); err != nil {
		t.Fatal(err)
	}
	if pkg.Profile != "tabular-data-package" || len(pkg.Resources) != len(required) {
		t.Fatalf("package %+v; want a tabular data package of %d resources", pkg, len(required))
	}
	for _, r := range pkg.Resources {
		header, _ := files.table(t, r.Path, false)
		var names []string
		for _, f := range r.Schema.Fields {
			names = append(names, f.Name)
		}
		if !slices.Equal(names, header) || r.Path != r.Name+".csv" || r.Schema.PrimaryKey != "id" {
			t.Errorf("resource %s: fields %q, path %s; want the file's header %q", r.Name, names, r.Path, header)
		}
		for _, fk := range r.Schema.ForeignKeys {
			if !slices.Contains(header, fk.Fields) || files[fk.Reference.Resource+".csv"] == nil {
				t.Errorf("resource %s: foreign key %+v names no column or resource", r.Name, fk)
			}
		}
	}

	// Exported again, every id is the same.
	again, _ := exportHSDS(t, w)
	for name, b := range files {
		if again[name].String() != b.String() {
			t.Errorf("%s differs between two exports of the same map", name)
		}
	}
}
