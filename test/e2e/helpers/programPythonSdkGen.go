// pysdkgen: generates a Python SDK from a Pulumi package schema with Pulumi's own Python code
// generator (github.com/pulumi/pulumi/pkg/v3/codegen/python, the engine's version), which is what
// `pulumi package gen-sdk --language python` runs inside a current Python language host. The host
// built here (sdk v3.68.0) has no GeneratePackage, so test/e2e/helpers/programCopy.ts builds this
// instead, in a temporary module with engine/cli's requirements. Not part of any shipped code.
//
// Usage: pysdkgen <schema.json> <out dir>
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	python "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// The cred-proxy schema refers to no other package (test/package/schema.test.ts checks it).
type noLoader struct{}

func (noLoader) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("schema refers to package %s: not available", pkg)
}
func (noLoader) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, fmt.Errorf("schema refers to package %s: not available", d.Name)
}
func (noLoader) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, fmt.Errorf("schema refers to package %s: not available", pkg)
}
func (noLoader) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, fmt.Errorf("schema refers to package %s: not available", d.Name)
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: pysdkgen <schema.json> <out dir>")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	check(err)
	var spec schema.PackageSpec
	check(json.Unmarshal(raw, &spec))
	pkg, diags, err := schema.BindSpec(spec, noLoader{}, schema.ValidationOptions{})
	check(err)
	if diags.HasErrors() {
		check(diags)
	}
	files, err := python.GeneratePackage("pulumi-language-python", pkg, nil, noLoader{})
	check(err)
	for name, data := range files {
		target := filepath.Join(os.Args[2], name)
		check(os.MkdirAll(filepath.Dir(target), 0o755))
		check(os.WriteFile(target, data, 0o644))
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "pysdkgen:", err)
		os.Exit(1)
	}
}
