// Package provider implements the praho Terraform provider.
package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

var _ provider.Provider = (*prahoProvider)(nil)

// prahoProvider is the provider's root. Its configuration blocks and resources
// come with the provider issue; until then it serves an empty schema.
type prahoProvider struct {
	version string
}

// New returns a constructor for the provider, as providerserver.Serve wants.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &prahoProvider{version: version}
	}
}

func (p *prahoProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "praho"
	resp.Version = p.version
}

func (p *prahoProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Runs a fleet of Virtualmin servers, their hosting accounts and their DNS as code.",
	}
}

func (p *prahoProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {}

func (p *prahoProvider) Resources(context.Context) []func() resource.Resource { return nil }

func (p *prahoProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }
