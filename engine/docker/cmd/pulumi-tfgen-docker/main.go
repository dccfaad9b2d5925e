// pulumi-tfgen-docker writes schema.json and bridge-metadata.json for the provider at build
// time (`pulumi-tfgen-docker schema --out DIR`); the engine script runs it, then embeds them.
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"

	"cred-proxy.local/engine/docker/info"
)

var version = "0.0.0-dev" // set with -ldflags -X main.version=

func main() {
	tfgen.Main("docker", version, info.Provider(version, []byte("{}")))
}
