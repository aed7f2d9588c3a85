package spelling

import (
	"strings"
	"testing"
)

func TestClosest(t *testing.T) {
	names := []string{"level", "format", "per_chat_rate", "database"}
	tests := []struct {
		in   string
		want string
	}{
		{"levl", "level"},
		{"LEVEL", "level"},
		{"perChatRate", "per_chat_rate"},
		{"per-chat-rate", "per_chat_rate"},
		{"fromat", "format"},
		{"dtabse", "database"},
		{"lvl", ""},
		{"colour", ""},
		{strings.Repeat("x", 1000), ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Closest(tt.in, names); got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}
