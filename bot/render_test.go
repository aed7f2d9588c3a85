package bot

import (
	"reflect"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// TestFillLinked: the entities land where the wording puts the
// placeholders, counted in UTF-16 code units (an emoji outside the Basic
// Multilingual Plane is two), and a value is never read as a placeholder.
func TestFillLinked(t *testing.T) {
	link := linked{placeholder: "name", value: "Zoë 🌷", entity: tgbotapi.MessageEntity{Type: entityTextLink, URL: "tg://user?id=7"}}
	at := func(offset, length int) tgbotapi.MessageEntity {
		return tgbotapi.MessageEntity{Type: entityTextLink, URL: "tg://user?id=7", Offset: offset, Length: length}
	}
	mention := func(offset int) tgbotapi.MessageEntity {
		return tgbotapi.MessageEntity{Type: entityMention, Offset: offset, Length: len("@zoe_k")}
	}
	tests := []struct {
		name, template string
		links          []linked
		text           string
		entities       []tgbotapi.MessageEntity
	}{
		{"first", "{name} says hi", []linked{link}, "Zoë 🌷 says hi", []tgbotapi.MessageEntity{at(0, 6)}},
		{"after an emoji", "👋🏽 Mae {name} yma", []linked{link}, "👋🏽 Mae Zoë 🌷 yma", []tgbotapi.MessageEntity{at(9, 6)}},
		{"twice", "{name}, {name}", []linked{link}, "Zoë 🌷, Zoë 🌷", []tgbotapi.MessageEntity{at(0, 6), at(8, 6)}},
		{"missing: a line of its own", "Say hello.", []linked{link}, "Say hello.\nZoë 🌷", []tgbotapi.MessageEntity{at(11, 6)}},
		{"a value like a placeholder", "{name} or {username}", []linked{
			{placeholder: "name", value: "{username}", entity: link.entity},
			{placeholder: "username", value: "@zoe_k", entity: tgbotapi.MessageEntity{Type: entityMention}},
		}, "{username} or @zoe_k", []tgbotapi.MessageEntity{at(0, 10), mention(14)}},
		{"in either order", "🌷{username} is {name}", []linked{
			link, {placeholder: "username", value: "@zoe_k", entity: tgbotapi.MessageEntity{Type: entityMention}},
		}, "🌷@zoe_k is Zoë 🌷", []tgbotapi.MessageEntity{mention(2), at(12, 6)}},
		{"an empty value has no entity", "{name}!", []linked{{placeholder: "name", entity: link.entity}}, "!", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, entities := fillLinked(tt.template, tt.links...)
			if text != tt.text || !reflect.DeepEqual(entities, tt.entities) {
				t.Errorf("got %q %+v; want %q %+v", text, entities, tt.text, tt.entities)
			}
		})
	}
}

// TestParamsEntities: entities go as a JSON form field, named for a
// caption on an upload.
func TestParamsEntities(t *testing.T) {
	e := []tgbotapi.MessageEntity{{Type: entityTextLink, Offset: 0, Length: 3, URL: "tg://user?id=7"}}
	const want = `[{"type":"text_link","offset":0,"length":3,"url":"tg://user?id=7"}]`
	tests := []struct {
		method, field string
	}{
		{methodSend, "entities"},
		{methodEditText, "entities"},
		{methodPhoto, "caption_entities"},
	}
	for _, tt := range tests {
		p := outMsg{Method: tt.method, ChatID: 1, Text: "Zoë", Entities: e}.params()
		if p[tt.field] != want {
			t.Errorf("%s: %s = %q; want %q (all: %v)", tt.method, tt.field, p[tt.field], want, p)
		}
	}
	if p := (outMsg{Method: methodSend, ChatID: 1, Text: "plain"}).params(); p["entities"] != "" {
		t.Errorf("a plain message has entities %q", p["entities"])
	}
}
