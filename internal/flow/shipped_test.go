package flow_test

import (
	"testing"

	"github.com/assetbot/assetbot/flows"
	"github.com/assetbot/assetbot/internal/flow"
)

func TestShippedFlowsAreValid(t *testing.T) {
	fs, problems := flow.LoadFS(flows.FS, ".")
	if problems != nil {
		t.Fatalf("shipped flows have problems:\n%v", problems)
	}
	if fs["resident"] == nil {
		t.Fatalf("got flows %v; want one with id resident", fs)
	}
}
