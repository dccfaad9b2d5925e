// Wrapper module for the Pulumi CLI (see ../README.md). It has no Go files: the engine script
// runs `go build github.com/pulumi/pulumi/pkg/v3/cmd/pulumi` in a copy of this folder with
// GOFLAGS=-mod=mod, which fills in go.sum. Never run `go mod tidy` here: with no Go files it
// would drop every requirement.
module cred-proxy.local/engine/cli

go 1.26.6

require (
	github.com/pulumi/pulumi/pkg/v3 v3.276.0
	github.com/pulumi/pulumi/sdk/v3 v3.276.0
)

// Copied from pkg/v3@v3.276.0's go.mod (its local ../sdk replace is dropped: sdk/v3 comes from
// the proxy at the same tag).
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
