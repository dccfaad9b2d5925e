// Package info maps the upstream Terraform Docker provider (kreuzwerker) onto Pulumi tokens and
// names so that the npm package @pulumi/docker (the project's SDK) talks to it unchanged:
// docker:index/container:Container, docker:index/network:Network, and so on.
//
// This stands in for pulumi-docker's provider/resources.go, whose module the Go module proxy
// here does not serve (see ../../README.md). Only the bridged (Terraform) resources are here;
// pulumi-docker's native docker:index/image:Image and buildx resources are not.
package info

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"

	"github.com/terraform-providers/terraform-provider-docker/shim"
)

func res(name string) *tfbridge.ResourceInfo {
	return &tfbridge.ResourceInfo{Tok: tfbridge.MakeResource("docker", "index", name)}
}

func ds(name string) *tfbridge.DataSourceInfo {
	return &tfbridge.DataSourceInfo{Tok: tfbridge.MakeDataSource("docker", "index", name)}
}

// Provider returns the bridge's description of the provider. metadata is the content of
// bridge-metadata.json (tfgen writes it; "{}" before the first tfgen run).
func Provider(version string, metadata []byte) tfbridge.ProviderInfo {
	container := res("Container")
	// Replace a container by deleting the old one first: its name is fixed, so create-first
	// would collide with it.
	container.DeleteBeforeReplace = true
	container.Fields = map[string]*tfbridge.SchemaInfo{
		// One command given as a list of words: not pluralised.
		"command": {Name: "command"},
		// Several entries despite the singular-looking name.
		"networks_advanced": {Name: "networksAdvanced"},
	}
	remoteImage := res("RemoteImage")
	remoteImage.Fields = map[string]*tfbridge.SchemaInfo{"name": {Name: "name"}}

	prov := tfbridge.ProviderInfo{
		P:            shimv2.NewProvider(shim.NewProvider()),
		Name:         "docker",
		Version:      version,
		DisplayName:  "Docker",
		Description:  "A Pulumi package for interacting with Docker in Pulumi programs",
		Keywords:     []string{"pulumi", "docker"},
		License:      "Apache-2.0",
		Homepage:     "https://pulumi.io",
		Repository:   "https://github.com/pulumi/pulumi-docker",
		GitHubOrg:    "kreuzwerker",
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
		Config: map[string]*tfbridge.SchemaInfo{
			"host": {Default: &tfbridge.DefaultInfo{
				Value:   "unix:///var/run/docker.sock",
				EnvVars: []string{"DOCKER_HOST"},
			}},
			"registry_auth": {Name: "registryAuth", MaxItemsOne: tfbridge.False()},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			"docker_container":      container,
			"docker_image":          remoteImage,
			"docker_config":         res("ServiceConfig"),
			"docker_network":        res("Network"),
			"docker_volume":         res("Volume"),
			"docker_secret":         res("Secret"),
			"docker_service":        res("Service"),
			"docker_registry_image": res("RegistryImage"),
			"docker_plugin":         res("Plugin"),
			"docker_tag":            res("Tag"),
			"docker_buildx_builder": res("BuildxBuilder"),
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_image":                    ds("getRemoteImage"),
			"docker_network":                  ds("getNetwork"),
			"docker_plugin":                   ds("getPlugin"),
			"docker_registry_image":           ds("getRegistryImage"),
			"docker_registry_image_manifests": ds("getRegistryImageManifests"),
			"docker_logs":                     ds("getLogs"),
		},
	}
	// Anything the upstream adds later gets a standard token instead of failing the build.
	prov.MustComputeTokens(tokens.SingleModule("docker_", "index", tokens.MakeStandard("docker")))
	prov.SetAutonaming(255, "-")
	return prov
}
