package bot

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// TestRedactorWrap checks that a wrapped error loses the token from its
// text and keeps its chain.
func TestRedactorWrap(t *testing.T) {
	const token = "123:secret"
	r := redactor{token: token}
	cause := &url.Error{Op: "Post", URL: "https://api.telegram.org/bot" + token + "/sendMessage", Err: context.Canceled}
	err := fmt.Errorf("update 7: %w", r.Wrap(cause))
	if strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "bot<token>/sendMessage") {
		t.Errorf("got %q; want the token replaced", err)
	}
	var urlErr *url.Error
	if !errors.As(err, &urlErr) || !errors.Is(err, context.Canceled) {
		t.Errorf("got %q; want the chain kept (url.Error, context.Canceled)", err)
	}
	if r.Wrap(nil) != nil {
		t.Errorf("Wrap(nil) is not nil")
	}
}
