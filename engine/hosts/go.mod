// Wrapper module for the Node.js and Python language hosts (see ../README.md). The hosts of
// v3.276.0 live in their own modules (github.com/pulumi/pulumi/sdk/{nodejs,python}/cmd/...)
// that the Go module proxy here does not serve; v3.68.0 is the newest served sdk/v3 whose
// module still contains both hosts as packages. No Go files: never `go mod tidy` here.
module cred-proxy.local/engine/hosts

go 1.18

require github.com/pulumi/pulumi/sdk/v3 v3.68.0

// Copied from sdk/v3@v3.68.0's go.mod.
replace golang.org/x/text => golang.org/x/text v0.3.6
