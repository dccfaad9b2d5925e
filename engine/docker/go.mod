// Wrapper module for the Docker resource plugin (see ../README.md): the Terraform bridge, the
// upstream kreuzwerker provider, and Pulumi's fork of terraform-plugin-sdk, all from the Go
// module proxy, plus the local shim module and info package.
module cred-proxy.local/engine/docker

go 1.26

require (
	github.com/pulumi/pulumi-terraform-bridge/v3 v3.133.0
	github.com/terraform-providers/terraform-provider-docker v0.0.0
	github.com/terraform-providers/terraform-provider-docker/shim v0.0.0
)

replace (
	// The bridge calls functions that exist only in Pulumi's fork (version pinned by the
	// bridge's own go.mod at v3.133.0).
	github.com/hashicorp/terraform-plugin-sdk/v2 => github.com/pulumi/terraform-plugin-sdk/v2 v2.0.0-20260318212141-5525259d096b
	// kreuzwerker's go.mod declares this module path; the proxy serves it only as a pseudo-version.
	github.com/terraform-providers/terraform-provider-docker => github.com/kreuzwerker/terraform-provider-docker v0.0.0-20260916201441-96d331c98ff4
	github.com/terraform-providers/terraform-provider-docker/shim => ./shim
	// Not served by the proxy; only its Java example converter is imported, by tfgen.
	github.com/pulumi/pulumi-java => ./stub-pulumi-java
)
