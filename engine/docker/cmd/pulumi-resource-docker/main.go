// pulumi-resource-docker serves the bridged Docker provider to the Pulumi engine. schema.json
// and bridge-metadata.json are generated next to this file by pulumi-tfgen-docker at build
// time (the engine script does it); they are not kept in the repository.
package main

import (
	_ "embed"
	"encoding/json"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"

	"cred-proxy.local/engine/docker/info"
)

var version = "" // set with -ldflags -X main.version=; an empty version is refused below

//go:embed schema.json
var schema []byte

//go:embed bridge-metadata.json
var metadata []byte

// withVersion returns the schema with its "version" set: tfgen leaves it out on purpose.
func withVersion(spec []byte, v string) []byte {
	var m map[string]any
	if err := json.Unmarshal(spec, &m); err != nil {
		panic("embedded schema.json is not JSON: " + err.Error())
	}
	m["version"] = v
	out, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return out
}

func main() {
	if version == "" {
		panic("pulumi-resource-docker was built without -X main.version")
	}
	tfbridge.Main("docker", version, info.Provider(version, metadata), withVersion(schema, version))
}
