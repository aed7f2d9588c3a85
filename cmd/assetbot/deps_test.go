package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// testTooling are packages that must never be compiled into the product
// binary: the fake Bot API, the load test, the erasure tests' scanner and
// the standard library's test support.
var testTooling = []string{
	"github.com/assetbot/assetbot/bot/fakeapi",
	"github.com/assetbot/assetbot/bot/loadtest",
	"github.com/assetbot/assetbot/internal/leakscan",
	"net/http/httptest",
	"testing",
}

// TestNoTestToolingInBinary lists what the assetbot binary is built from
// and fails if any of it is test tooling.
func TestNoTestToolingInBinary(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH, so the binary's packages cannot be listed:", err)
	}
	out, err := exec.Command(goCmd, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	// The listing is real only if it holds the bot itself.
	if !slices.Contains(deps, "github.com/assetbot/assetbot/bot") {
		t.Fatalf("go list -deps lists no github.com/assetbot/assetbot/bot:\n%s", out)
	}
	for _, pkg := range testTooling {
		if slices.Contains(deps, pkg) {
			t.Errorf("the assetbot binary is built with %s; want no test tooling in it", pkg)
		}
	}
}
