package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/praho/terraform-provider-praho/internal/acctest"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
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

// TestAccProvider_perServerLogins: a fleet whose servers each have their own
// API login. The second server refuses the block's (environment's) login; its
// entry in virtualmin.servers reaches it, while the first server keeps the
// block's login. A plan without the entry fails on the second server only,
// naming the setting to fix.
func TestAccProvider_perServerLogins(t *testing.T) {
	vms := acctest.StartVirtualmin(t, 2)
	const vm2Pass = "Vm2-Own-Secret-7"
	vms[1].Server.AddUser(acctest.VirtualminUser, vm2Pass, virtualmintest.RoleMaster)
	accounts := fmt.Sprintf(`
resource "praho_hosting_account" "one" {
  server   = %q
  domain   = "one.fleet.test"
  password = "Initial-Pass-1"
}

resource "praho_hosting_account" "two" {
  server   = %q
  domain   = "two.fleet.test"
  password = "Initial-Pass-1"
}
`, vms[0].Endpoint, vms[1].Endpoint)
	withEntry := fmt.Sprintf(`
variable "vm2_password" {
  type      = string
  sensitive = true
}

provider "praho" {
  virtualmin {
    servers = {
      %q = { password = var.vm2_password }
    }
  }
}
`, vms[1].Endpoint) + accounts
	t.Setenv("TF_VAR_vm2_password", vm2Pass)

	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				Config:      accounts,
				ExpectError: regexp.MustCompile(`(?s)` + regexp.QuoteMeta(vms[1].Endpoint) + `.*refused the credentials.*virtualmin.servers`),
			},
			{
				Config: withEntry,
				Check: tfresource.ComposeAggregateTestCheckFunc(
					checkAccount(vms[0], "one.fleet.test", nil),
					checkAccount(vms[1], "two.fleet.test", nil),
				),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}
