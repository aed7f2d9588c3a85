package config

import (
	"errors"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// problem is one thing wrong with a configuration, printed as
// "file:line: key: message" with whichever parts are known.
type problem struct {
	name string // file name; "" for a Config built in code
	line int    // 1-based; 0 if unknown
	key  string // dotted key, such as "telegram.send.rate"; "" for the whole file
	msg  string
}

func (p problem) Error() string {
	var b strings.Builder
	if p.name != "" {
		b.WriteString(p.name)
		if p.line > 0 {
			b.WriteString(":" + strconv.Itoa(p.line))
		}
		b.WriteString(": ")
	}
	if p.key != "" {
		b.WriteString(p.key + ": ")
	}
	b.WriteString(p.msg)
	return b.String()
}

// minRedacted is the shortest secret that is masked in messages: shorter
// strings would mangle ordinary words, and real tokens are far longer.
const minRedacted = 8

// joinProblems orders problems by line and joins them into one error, one
// problem per line. Any of secrets that a message happens to contain (a
// token pasted into the wrong key, say) is masked.
func joinProblems(problems []problem, secrets ...string) error {
	if len(problems) == 0 {
		return nil
	}
	sort.SliceStable(problems, func(i, j int) bool {
		li, lj := problems[i].line, problems[j].line
		if li == 0 || lj == 0 {
			return li != 0 && lj == 0
		}
		return li < lj
	})
	errs := make([]error, len(problems))
	for i, p := range problems {
		for _, s := range secrets {
			if len(s) >= minRedacted {
				p.key = strings.ReplaceAll(p.key, s, "[redacted]")
				p.msg = strings.ReplaceAll(p.msg, s, "[redacted]")
			}
		}
		errs[i] = p
	}
	return errors.Join(errs...)
}

// maxQuoted is how many characters of a value a message quotes.
const maxQuoted = 40

// quote renders a value for a message, shortened if long.
func quote(s string) string {
	if utf8.RuneCountInString(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	r := []rune(s)
	return strconv.Quote(string(r[:maxQuoted])) + "..."
}
