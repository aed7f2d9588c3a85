// Package e2e holds assetbot's end-to-end tests: they build the real
// binary, run it against the telegram-test-api emulator (an npm package,
// pinned in package.json and started by server.js) and play residents
// through the emulator's client HTTP API.
//
// The tests need Node.js and npm. They install the emulator themselves
// (npm ci) when node_modules is missing, and are skipped when node is not
// installed, unless the environment variable CI is "true".
package e2e
