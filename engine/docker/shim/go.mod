// The shim lives under the upstream provider's import path so that it may import the upstream's
// internal/provider package (Go's internal rule goes by import path, not by module).
module github.com/terraform-providers/terraform-provider-docker/shim

go 1.25.8

require github.com/terraform-providers/terraform-provider-docker v0.0.0
