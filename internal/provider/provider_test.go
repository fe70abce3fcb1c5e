package provider

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/praho/terraform-provider-praho/internal/acctest"
)

func TestProviderSchemaIsValid(t *testing.T) {
	p := New("test")()
	var resp provider.SchemaResponse
	p.Schema(context.Background(), provider.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("schema diagnostics: %v", resp.Diagnostics)
	}
	if diags := resp.Schema.ValidateImplementation(context.Background()); diags.HasError() {
		t.Fatalf("schema implementation: %v", diags)
	}
	var meta provider.MetadataResponse
	p.Metadata(context.Background(), provider.MetadataRequest{}, &meta)
	if meta.TypeName != "praho" || meta.Version != "test" {
		t.Fatalf("metadata = %+v, want praho/test", meta)
	}
}

// Every resource's schema must be valid and documented.
func TestResourceSchemasAreValidAndDocumented(t *testing.T) {
	ctx := context.Background()
	p := New("test")()
	for _, f := range p.Resources(ctx) {
		r := f()
		var meta resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "praho"}, &meta)
		var resp resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &resp)
		if resp.Diagnostics.HasError() {
			t.Fatalf("%s: %v", meta.TypeName, resp.Diagnostics)
		}
		if diags := resp.Schema.ValidateImplementation(ctx); diags.HasError() {
			t.Fatalf("%s: %v", meta.TypeName, diags)
		}
		if resp.Schema.MarkdownDescription == "" {
			t.Errorf("%s has no description", meta.TypeName)
		}
		for name, a := range resp.Schema.Attributes {
			if a.GetMarkdownDescription() == "" && name != "timeouts" {
				t.Errorf("%s.%s has no description", meta.TypeName, name)
			}
		}
	}
}

func TestAccProviderRejectsBadSettingsAtPlan(t *testing.T) {
	for name, tc := range map[string]struct{ block, want string }{
		"port":        {`virtualmin { port = 0 }`, `(?s)port.*between 1 and 65535`},
		"timeout":     {`virtualmin { request_timeout = "soon" }`, `Invalid duration`},
		"pin":         {`virtualmin { certificate_sha256_pins = { "vm1.example.ro" = "abcd" } }`, `Invalid certificate fingerprint`},
		"pin server":  {`virtualmin { certificate_sha256_pins = { "http://vm1" = "` + strings.Repeat("ab", 32) + `" } }`, `Invalid server endpoint`},
		"ca":          {`virtualmin { ca_certificate_pem = "not a pem" }`, `Invalid CA certificate`},
		"pdns url":    {`powerdns { api_url = "127.0.0.1:8081" }`, `Invalid URL`},
		"cf base url": {`cloudflare { base_url = "ftp://x" }`, `Invalid URL`},
	} {
		t.Run(name, func(t *testing.T) {
			tfresource.Test(t, tfresource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []tfresource.TestStep{{
					// The data source makes the CLI configure the provider.
					Config:      "provider \"praho\" {\n  " + tc.block + "\n}\n\ndata \"praho_hosting_accounts\" \"x\" {\n  server = \"vm1.example.ro\"\n}\n",
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
}

func TestAccProviderMissingCredentials(t *testing.T) {
	t.Setenv("PRAHO_VIRTUALMIN_USERNAME", "")
	t.Setenv("PRAHO_VIRTUALMIN_PASSWORD", "")
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{{
			Config:      "data \"praho_hosting_accounts\" \"x\" {\n  server = \"127.0.0.1:1\"\n}\n",
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Virtualmin credentials are not configured.*PRAHO_VIRTUALMIN_USERNAME`),
		}},
	})
}
