// Package shim exposes the upstream Terraform Docker provider's SDKv2 constructor to the bridge.
package shim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"

	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// NewProvider returns the upstream SDKv2 provider (resources docker_container, docker_network, ...).
func NewProvider() *schema.Provider {
	return provider.New("pulumi")()
}
