package store

import (
	"encoding/json"
	"reflect"
	"strconv"
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
	var want flow.Value
	wantErr := json.Unmarshal([]byte(data), &want)
	got, gotErr := decodeValue(data)
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

// TestAnswersFramed checks that answers read back from their frames
// whatever their columns hold, and that a garbled frame is an error, not
// a wrong answer.
func TestAnswersFramed(t *testing.T) {
	// frame frames an answer's columns (id, key, value, confirmed) as
	// answersByPerson does.
	frame := func(cols ...string) string {
		var s string
		for i, c := range cols {
			if i != answerValue {
				s += c + fieldSep
			}
		}
		if len(cols) > answerValue {
			s += strconv.Itoa(len(cols[answerValue])) + fieldSep + cols[answerValue]
		}
		return s
	}
	tricky := answerRow{id: 12, key: "k:1", value: "{\"text\":\"3:abc 12:x 😀 \x1f1\x1f\"}", confirmed: ""}
	for _, tt := range []struct {
		name   string
		framed string
		want   []answerRow
		ok     bool
	}{
		{"none", "", nil, true},
		{"two", frame("12", "k:1", tricky.value, "") + frame("7", "", "{}", "t"), []answerRow{tricky, {id: 7, value: "{}", confirmed: "t"}}, true},
		{"length past the end", "12" + fieldSep + "k" + fieldSep + "t" + fieldSep + "12" + fieldSep + "ab", nil, false},
		{"length not a number", "12" + fieldSep + "k" + fieldSep + "t" + fieldSep + "x" + fieldSep + "ab", nil, false},
		{"no length", "12" + fieldSep + "k" + fieldSep + "t" + fieldSep + "ab", nil, false},
		{"no separator", "ab", nil, false},
		{"answer cut short", frame("12", "k"), nil, false},
		{"id not a number", frame("x", "k", "{}", "t"), nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var c answerQuery
			got, err := c.parse(tt.framed, nil)
			if (err == nil) != tt.ok || tt.ok && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parse(%q) = %+v, %v; want %+v (ok %v)", tt.framed, got, err, tt.want, tt.ok)
			}
		})
	}
}
