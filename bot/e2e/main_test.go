package e2e

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// binDir holds the binary under test; TestMain removes it at the end.
var binDir string

// TestMain makes binDir and removes it after the tests.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "assetbot-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// moduleRoot is the repository root, relative to this package.
const moduleRoot = "../.."

// built is the assetbot executable under test, built once on first use.
var built = sync.OnceValues(func() (string, error) {
	out := filepath.Join(binDir, "assetbot")
	return out, build(out)
})

// binary returns the path of the assetbot executable under test.
func binary(t *testing.T) string {
	t.Helper()
	path, err := built()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// build compiles cmd/assetbot to out, with the race detector when the
// tests have it.
func build(out string) error {
	args := []string{"build", "-o", out}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "./cmd/assetbot")
	cmd := exec.Command("go", args...)
	cmd.Dir = moduleRoot
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, output)
	}
	return nil
}

// statSources stats the module's source files, once; see watchSources.
var statSources = sync.OnceValue(func() error {
	return filepath.WalkDir(moduleRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != moduleRoot && (name == "node_modules" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(name) {
		case ".go", ".yaml", ".sql", ".mod", ".sum":
			_, err := os.Stat(path)
			return err
		}
		return nil
	})
})

// watchSources looks at every source file of the module. The binary is
// built in a child process, which go test's result cache does not see;
// files a test stats are part of the cache key (from within a test: what
// TestMain does before m.Run is not recorded), so a change anywhere in the
// bot runs these tests again instead of reusing a cached pass.
func watchSources(t *testing.T) {
	t.Helper()
	if err := statSources(); err != nil {
		t.Fatal(err)
	}
}

// emulatorPackage is a file present once the emulator is installed.
const emulatorPackage = "node_modules/telegram-test-api/package.json"

var nodeSetup struct {
	once sync.Once
	node string
	skip string // why the tests cannot run here
	err  error
}

// requireNode returns the path of node, installing the emulator with
// npm ci first if needed. Without node (or npm) the test is skipped, or
// fails when the environment variable CI is "true".
func requireNode(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end tests are skipped in -short mode")
	}
	nodeSetup.once.Do(func() {
		nodeSetup.node, nodeSetup.skip, nodeSetup.err = setUpNode()
	})
	if nodeSetup.skip != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(nodeSetup.skip + " (CI=true, so this is a failure, not a skip)")
		}
		t.Skip(nodeSetup.skip)
	}
	if nodeSetup.err != nil {
		t.Fatal(nodeSetup.err)
	}
	return nodeSetup.node
}

func setUpNode() (node, skip string, err error) {
	node, err = exec.LookPath("node")
	if err != nil {
		return "", "Node.js is not installed (node not found in PATH): the end-to-end tests need Node 20+ and npm to run the telegram-test-api emulator", nil
	}
	if _, err := os.Stat(emulatorPackage); err == nil {
		return node, "", nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", "", err
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", "npm is not installed (npm not found in PATH): the end-to-end tests need it to install the telegram-test-api emulator", nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	if output, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("install the emulator with npm ci in bot/e2e: %w\n%s", err, output)
	}
	return node, "", nil
}
