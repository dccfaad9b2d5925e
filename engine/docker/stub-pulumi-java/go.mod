// A stand-in for github.com/pulumi/pulumi-java, which the Go module proxy here does not serve.
// The bridge's tfgen package imports its Java program generator only to convert HCL examples
// to Java; the engine script runs tfgen with --skip-examples, so this stub is never called.
module github.com/pulumi/pulumi-java

go 1.21

require (
	github.com/hashicorp/hcl/v2 v2.24.0
	github.com/pulumi/pulumi/pkg/v3 v3.246.0
)
