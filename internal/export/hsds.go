package export

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// The Open Referral HSDS 3.0 export is its tabular data package: one CSV
// per object, the object's columns in the standard's order, and a
// datapackage.json describing them. Organisations and associations are
// organizations, each with one service (what it does or offers); places
// are locations, as is an organisation's own point if it has one. No
// individual is ever in it.

// HSDSPackage is the data package's descriptor file.
const HSDSPackage = "datapackage.json"

// hsdsField is a column of an HSDS table.
type hsdsField struct {
	name     string
	typ      string // a Table Schema type: string, number or date
	required bool
}

// Column kinds, by the Table Schema type they take.
func text(name string) hsdsField     { return hsdsField{name: name, typ: "string"} }
func number(name string) hsdsField   { return hsdsField{name: name, typ: "number"} }
func required(name string) hsdsField { return hsdsField{name: name, typ: "string", required: true} }

// hsdsTable is one CSV file of the package.
type hsdsTable struct {
	resource string      // its name in the package, as the standard names it
	fields   []hsdsField // "id" first, always
	// refs are the table's foreign keys: column name to the resource
	// whose id it holds.
	refs map[string]string
}

func (t hsdsTable) file() string { return t.resource + ".csv" }

func (t hsdsTable) header() []string {
	h := make([]string, len(t.fields))
	for i, f := range t.fields {
		h[i] = f.name
	}
	return h
}

// row is a row of the table: values by column, "" for the rest.
func (t hsdsTable) row(values map[string]string) []string {
	r := make([]string, len(t.fields))
	for i, f := range t.fields {
		r[i] = values[f.name]
	}
	return r
}

// The tables, with the core columns of HSDS 3.0 (openreferral/specification,
// branch 3.0, schema/*.json) and the ones its tabular form requires.
var (
	hsdsOrganizations = hsdsTable{resource: "organizations", fields: []hsdsField{
		required("id"), required("name"), text("alternate_name"), required("description"), text("email"), text("website"),
		text("tax_status"), text("tax_id"), number("year_incorporated"), text("legal_status"), text("logo"), text("uri"),
		text("parent_organization_id"),
	}}
	hsdsServices = hsdsTable{resource: "services", fields: []hsdsField{
		required("id"), required("organization_id"), text("program_id"), required("name"), text("alternate_name"), text("description"),
		text("url"), text("email"), required("status"), text("interpretation_services"), text("application_process"),
		text("fees_description"), text("wait_time"), text("fees"), text("accreditations"), text("eligibility_description"),
		number("minimum_age"), number("maximum_age"), {name: "assured_date", typ: "date"}, text("assurer_email"), text("licenses"), text("alert"),
	}, refs: map[string]string{"organization_id": "organizations"}}
	hsdsLocations = hsdsTable{resource: "locations", fields: []hsdsField{
		required("id"), required("location_type"), text("url"), text("organization_id"), text("name"), text("alternate_name"),
		text("description"), text("transportation"), number("latitude"), number("longitude"), text("external_identifier"),
		text("external_identifier_type"),
	}, refs: map[string]string{"organization_id": "organizations"}}
	hsdsServiceAtLocation = hsdsTable{resource: "service_at_location", fields: []hsdsField{
		required("id"), required("service_id"), required("location_id"), text("description"),
	}, refs: map[string]string{"service_id": "services", "location_id": "locations"}}

	hsdsTables = []hsdsTable{hsdsOrganizations, hsdsServices, hsdsLocations, hsdsServiceAtLocation}
)

// hsdsOrganisation says how an asset flow whose assets are organizations
// describes one: the fields that say what it is, and those that say what
// it does or offers, its service.
type hsdsOrganisation struct {
	describe, offers []string
}

// hsdsOrganisations are the kinds of asset that are organizations, by flow
// id. A field a flow no longer asks is left out; an organization with no
// description is described by its flow's title ("A group or club").
var hsdsOrganisations = map[string]hsdsOrganisation{
	"association":  {describe: []string{"purpose"}, offers: []string{"purpose", "meets_when", "offer"}},
	"organisation": {describe: []string{"services"}, offers: []string{"services", "spaces", "skills"}},
}

// hsdsPlace is the kind of asset that is a location.
const hsdsPlace = "place"

// The values HSDS takes for what the map says of every organisation and
// place: nothing on it is known to have closed, and places are visited.
const (
	hsdsActive   = "active"
	hsdsPhysical = "physical"
)

// hsdsNamespace derives the ids of what the map stores no uid for (an
// organization's service, its own location, a service at a location) from
// the uids it does store, so every export gives them the same ids.
var hsdsNamespace = uuid.MustParse("e5340878-8b1d-418d-a623-18b9164daa1d")

// derived is the id of what (a "service", a "location") of the thing
// with uid.
func derived(uid, what string) string {
	return uuid.NewSHA1(hsdsNamespace, []byte(uid+"/"+what)).String()
}

// coordinate is a latitude or longitude in a CSV cell, rounded as in the
// GeoJSON export.
func coordinate(x float64) string {
	return strconv.FormatFloat(math.Round(x*coordScale)/coordScale, 'f', -1, 64)
}

// HSDS writes the map's organisations, their services and its places as
// the Open Referral HSDS 3.0 tabular data package: organizations.csv,
// services.csv, locations.csv and service_at_location.csv (UTF-8, no byte
// order mark: the package is for machines) and datapackage.json. A
// service is at a location when its organization has a point of its own,
// or uses, runs or owns a place. It holds the uids of the organisations
// and places in memory to join them, never the people. The counts it
// returns are of organizations (Assets) and services at locations (Links).
func (e *Exporter) HSDS(ctx context.Context, create Create) (Counts, error) {
	var c Counts
	tables := make(map[string]*table, len(hsdsTables))
	for _, t := range hsdsTables {
		tt, err := startTable(create, t.file(), "", t.header())
		if err != nil {
			return c, err
		}
		tables[t.resource] = tt
	}
	orgs, places := map[int64]string{}, map[int64]string{}
	err := e.st.ConsentedAssets(ctx, "", e.purpose, func(a store.Asset) error {
		if a.Kind == hsdsPlace {
			places[a.ID] = a.UID
			return tables[hsdsLocations.resource].write(hsdsLocations.row(locationValues(a.UID, "", a)))
		}
		o, ok := hsdsOrganisations[a.Kind]
		if !ok {
			return nil
		}
		c.Assets++
		orgs[a.ID] = a.UID
		if a.Point != nil {
			c.Links++ // its service at its own location
		}
		return e.organization(tables, a, o)
	})
	if err != nil {
		return c, err
	}
	seen := map[[2]int64]bool{}
	err = e.st.ConsentedLinks(ctx, e.purpose, func(l store.NamedLink) error {
		org, isOrg := orgs[l.From.Asset]
		place, isPlace := places[l.To.Asset]
		pair := [2]int64{l.From.Asset, l.To.Asset}
		switch {
		case !isOrg || !isPlace || seen[pair]:
			return nil
		case l.Type != flow.LinkUses && l.Type != flow.LinkRuns && l.Type != flow.LinkOwns:
			return nil
		}
		seen[pair] = true
		c.Links++
		return tables[hsdsServiceAtLocation.resource].write(hsdsServiceAtLocation.row(map[string]string{
			"id": derived(org+"/"+place, "service_at_location"), "service_id": derived(org, "service"), "location_id": place,
		}))
	})
	if err != nil {
		return c, err
	}
	for _, t := range hsdsTables {
		if err := tables[t.resource].flush(); err != nil {
			return c, err
		}
	}
	return c, writePackage(create)
}

// organization writes an organisation or association a, of a kind
// described by o, as an organization with its service, and its point (if
// it has one) as a location its service is at.
func (e *Exporter) organization(tables map[string]*table, a store.Asset, o hsdsOrganisation) error {
	f := e.flows[a.Kind] // nil when its flow is no longer in use
	description := e.describe(f, a, o.describe, false)
	switch {
	case description != "":
	case f != nil:
		description = f.Title.In(lang)
	default:
		description = a.Kind
	}
	service := derived(a.UID, "service")
	if err := tables[hsdsOrganizations.resource].write(hsdsOrganizations.row(map[string]string{
		"id": a.UID, "name": a.Name, "description": description,
	})); err != nil {
		return err
	}
	if err := tables[hsdsServices.resource].write(hsdsServices.row(map[string]string{
		"id": service, "organization_id": a.UID, "name": a.Name, "description": e.describe(f, a, o.offers, true),
		"status": hsdsActive, "assured_date": a.ConfirmedAt.UTC().Format(time.DateOnly),
	})); err != nil {
		return err
	}
	if a.Point == nil {
		return nil
	}
	location := derived(a.UID, "location")
	if err := tables[hsdsLocations.resource].write(hsdsLocations.row(locationValues(location, a.UID, a))); err != nil {
		return err
	}
	return tables[hsdsServiceAtLocation.resource].write(hsdsServiceAtLocation.row(map[string]string{
		"id": derived(a.UID, "service_at_location"), "service_id": service, "location_id": location,
	}))
}

// locationValues are the columns of a location with id at asset a's
// point (if it has one), of organization org ("" for none).
func locationValues(id, org string, a store.Asset) map[string]string {
	v := map[string]string{"id": id, "location_type": hsdsPhysical, "organization_id": org, "name": a.Name}
	if a.Point != nil && inRange(a.Point.Lat, a.Point.Lon) {
		v["latitude"], v["longitude"] = coordinate(a.Point.Lat), coordinate(a.Point.Lon)
	}
	return v
}

// describe joins the readable answers of a to keys, each after its
// question's label if labelled.
func (e *Exporter) describe(f *flow.Flow, a store.Asset, keys []string, labelled bool) string {
	var parts []string
	for _, k := range keys {
		v, ok := a.Fields[k]
		if !ok || v.Skipped {
			continue
		}
		text := e.readable(f, k, v, ", ")
		if labelled && f != nil {
			if s := f.StepByKey(k); s != nil && s.Label.In(lang) != "" {
				text = s.Label.In(lang) + ": " + text
			}
		}
		parts = append(parts, text)
	}
	return strings.Join(parts, ". ")
}

// The data package descriptor (Frictionless Data Package, Table Schema).
type (
	dataPackage struct {
		Name      string       `json:"name"`
		Profile   string       `json:"profile"`
		Resources []dpResource `json:"resources"`
	}
	dpResource struct {
		Name      string   `json:"name"`
		Path      string   `json:"path"`
		Profile   string   `json:"profile"`
		Format    string   `json:"format"`
		Mediatype string   `json:"mediatype"`
		Encoding  string   `json:"encoding"`
		Schema    dpSchema `json:"schema"`
	}
	dpSchema struct {
		Fields      []dpField      `json:"fields"`
		PrimaryKey  string         `json:"primaryKey"`
		ForeignKeys []dpForeignKey `json:"foreignKeys,omitempty"`
	}
	dpField struct {
		Name        string        `json:"name"`
		Type        string        `json:"type"`
		Format      string        `json:"format,omitempty"`
		Constraints dpConstraints `json:"constraints,omitzero"`
	}
	dpConstraints struct {
		Required bool `json:"required,omitempty"`
		Unique   bool `json:"unique,omitempty"`
	}
	dpForeignKey struct {
		Fields    string      `json:"fields"`
		Reference dpReference `json:"reference"`
	}
	dpReference struct {
		Resource string `json:"resource"`
		Fields   string `json:"fields"`
	}
)

// writePackage writes datapackage.json, describing hsdsTables.
func writePackage(create Create) error {
	p := dataPackage{Name: "assetbot-hsds", Profile: "tabular-data-package"}
	for _, t := range hsdsTables {
		r := dpResource{Name: t.resource, Path: t.file(), Profile: "tabular-data-resource", Format: "csv", Mediatype: "text/csv",
			Encoding: "utf-8", Schema: dpSchema{PrimaryKey: "id"}}
		for _, f := range t.fields {
			field := dpField{Name: f.name, Type: f.typ, Constraints: dpConstraints{Required: f.required, Unique: f.name == "id"}}
			if f.name == "id" || t.refs[f.name] != "" {
				field.Format = "uuid"
			}
			r.Schema.Fields = append(r.Schema.Fields, field)
		}
		for _, f := range t.fields {
			if res, ok := t.refs[f.name]; ok {
				r.Schema.ForeignKeys = append(r.Schema.ForeignKeys, dpForeignKey{Fields: f.name, Reference: dpReference{Resource: res, Fields: "id"}})
			}
		}
		p.Resources = append(p.Resources, r)
	}
	w, err := create(HSDSPackage)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", indent)
	if err := enc.Encode(p); err != nil {
		return fmt.Errorf("write %s: %w", HSDSPackage, err)
	}
	return nil
}
