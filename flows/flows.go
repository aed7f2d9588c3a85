// Package flows holds the flows shipped with assetbot, embedded in the
// binary. They are the defaults; the flows.dir config key replaces them with
// a folder on disk, so organisers change questions without a rebuild.
package flows

import "embed"

// FS holds the shipped flow files at its root.
//
//go:embed *.yaml
var FS embed.FS
