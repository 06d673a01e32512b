package wasm

import "embed"

// PDK holds the sources of the two packages a plugin imports, wasm/abi and
// wasm/pdk (tests included), so that `edge plugin new` can make a plugin
// that builds anywhere: the new module replaces github.com/edgedesk/edgedesk
// with a copy of them, with no download.
//
//go:embed abi/*.go pdk/*.go
var PDK embed.FS
