package store

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/flow"
)

// decodeCases are stored values of every shape: those decodePlain reads
// and those it leaves to encoding/json.
var decodeCases = []string{
	`{}`,
	`{"text":"LS6"}`,
	`{"choice":"weekly"}`,
	`{"choices":["cooking","diy"],"other":"kites"}`,
	`{"other":"x","choices":["a"],"choice":"b","text":"c"}`,
	`{"choices":[]}`,
	`{"text":""}`,
	`{"text":"café 😀"}`,
	`{"text":"line\nbreak \"quoted\" \u00e9"}`,
	`{"text":"<b>"}`,
	"{\"text\":\"bad \xff utf-8\"}",
	`{"Text":"a key in another case"}`,
	`{"text":"a","text":"twice"}`,
	`{"choices":["a"],"choices":["b"]}`,
	`{ "text" : "spaced" }`,
	`{"text":null}`,
	`{"choices":null}`,
	`{"number":3.5}`,
	`{"bool":true,"skipped":true}`,
	`{"location":{"lat":53.8,"lon":-1.5}}`,
	`{"asset":12,"text":"Hall","new":true}`,
	`{"choices":["a",]}`,
	`{"choices":[,"a"]}`,
	`{"text":"a",}`,
	`{"text":"a"}x`,
	`{"text":"unterminated}`,
	`{"choices":["a"}`,
	`{"text":1}`,
	"{\"text\":\"raw\ttab\"}",
	`not json`,
	``,
	`[]`,
}

// TestDecodeValue checks that decodeValue reads every stored value as
// encoding/json does, with the same outcome when it is not JSON.
func TestDecodeValue(t *testing.T) {
	for _, data := range decodeCases {
		checkDecode(t, data)
	}
}

func FuzzDecodeValue(f *testing.F) {
	for _, data := range decodeCases {
		f.Add(data)
	}
	f.Fuzz(checkDecode)
}

func checkDecode(t *testing.T, data string) {
	var want, got flow.Value
	wantErr := json.Unmarshal([]byte(data), &want)
	gotErr := decodeValue(data, &got)
	if (gotErr != nil) != (wantErr != nil) || wantErr == nil && !reflect.DeepEqual(got, want) {
		t.Errorf("decodeValue(%q) = %#v, %v; want %#v, %v as encoding/json", data, got, gotErr, want, wantErr)
	}
}

// parseCases are stored times, well and badly formed.
var parseCases = []string{
	"2026-03-14T09:30:01.250Z",
	"2024-02-29T23:59:59.999Z",
	"2000-02-29T00:00:00.000Z",
	"0000-01-01T00:00:00.000Z",
	"9999-12-31T23:59:59.999Z",
	"2026-02-29T00:00:00.000Z",
	"1900-02-29T00:00:00.000Z",
	"2026-04-31T00:00:00.000Z",
	"2026-13-01T00:00:00.000Z",
	"2026-00-01T00:00:00.000Z",
	"2026-01-00T00:00:00.000Z",
	"2026-01-01T24:00:00.000Z",
	"2026-01-01T00:60:00.000Z",
	"2026-01-01T00:00:60.000Z",
	"2026-01-01T00:00:00.00Z",
	"2026-01-01T00:00:00.000",
	"2026-01-01 00:00:00.000Z",
	"2026-01-01T00:00:00.0a0Z",
	"+026-01-01T00:00:00.000Z",
	"14 March 2026",
	"",
}

// TestParseTime checks that parseTime reads every time as time.Parse does
// with the store's layout, and fails where it fails.
func TestParseTime(t *testing.T) {
	for _, s := range parseCases {
		checkParse(t, s)
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range parseCases {
		f.Add(s)
	}
	f.Fuzz(checkParse)
}

func checkParse(t *testing.T, s string) {
	want, wantErr := time.Parse(timeFormat, s)
	got, gotErr := parseTime(s)
	if (gotErr != nil) != (wantErr != nil) || got != want {
		t.Errorf("parseTime(%q) = %v, %v; want %v, %v as time.Parse", s, got, gotErr, want, wantErr)
	}
}
