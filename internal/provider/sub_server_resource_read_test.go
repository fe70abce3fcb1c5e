package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/praho/terraform-provider-praho/internal/acctest"
)

// TestReadParentGone calls Read of each child resource directly (no CLI) for
// an object whose account was deleted in Virtualmin: the object leaves the
// state with a warning that names the account, and without an error, so the
// plan shows it being created again instead of failing.
func TestReadParentGone(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	ctx := context.Background()
	cfg, diags := buildConfig(ctx, &providerModel{}, osEnv)
	if diags.HasError() {
		t.Fatalf("config: %v", diags)
	}
	data := newProviderData(cfg)
	if err := vm.Server.SeedDomain(acctest.VirtualminUser, "domain", "alive.test", "pass", "Alive-Pass-1", "unix", "", "dir", "", "mail", ""); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name   string
		res    resource.Resource
		attrs  map[string]string
		parent string // "" when the account exists: removed without a warning
	}{
		{"mailbox", newMailboxResource(), map[string]string{"domain": "gone.test", "name": "alice"}, "gone.test"},
		{"database", newDatabaseResource(), map[string]string{"domain": "gone.test", "name": "gone_db", "type": "mysql"}, "gone.test"},
		{"alias", newDomainAliasResource(), map[string]string{"domain": "alias.test", "target": "gone.test"}, "gone.test"},
		{"sub-server", newSubServerResource(), map[string]string{"domain": "sub.gone.test", "parent": "gone.test"}, "gone.test"},
		{"mailbox of a live account", newMailboxResource(), map[string]string{"domain": "alive.test", "name": "nobody"}, ""},
		{"sub-server of a live account", newSubServerResource(), map[string]string{"domain": "sub.alive.test", "parent": "alive.test"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cr resource.ConfigureResponse
			tc.res.(resource.ResourceWithConfigure).Configure(ctx, resource.ConfigureRequest{ProviderData: data}, &cr)
			var sr resource.SchemaResponse
			tc.res.Schema(ctx, resource.SchemaRequest{}, &sr)
			st := tfsdk.State{Schema: sr.Schema, Raw: tftypes.NewValue(sr.Schema.Type().TerraformType(ctx), nil)}
			tc.attrs["server"] = vm.Endpoint
			for k, v := range tc.attrs {
				if d := st.SetAttribute(ctx, path.Root(k), v); d.HasError() {
					t.Fatalf("set %s: %v", k, d)
				}
			}
			resp := resource.ReadResponse{State: st}
			tc.res.Read(ctx, resource.ReadRequest{State: st}, &resp)
			if resp.Diagnostics.HasError() {
				t.Fatalf("Read failed: %v", resp.Diagnostics)
			}
			if !resp.State.Raw.IsNull() {
				t.Fatalf("the object was kept in state: %v", resp.State.Raw)
			}
			warnings := resp.Diagnostics.Warnings()
			if tc.parent == "" {
				if len(warnings) != 0 {
					t.Fatalf("warnings for an object deleted by hand: %v", warnings)
				}
				return
			}
			if len(warnings) != 1 {
				t.Fatalf("want one warning, got %v", resp.Diagnostics)
			}
			detail := warnings[0].Detail()
			for _, want := range []string{"Server: " + vm.Endpoint, tc.parent + " no longer exists", "deleted this"} {
				if !strings.Contains(detail, want) {
					t.Errorf("warning lacks %q:\n%s", want, detail)
				}
			}
		})
	}
}

// TestModifyPlanWarnings calls ModifyPlan directly: a quota planned while
// the server has quotas off, and a database of a type the existing account
// lacks, are reported at plan time.
func TestModifyPlanWarnings(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	ctx := context.Background()
	cfg, diags := buildConfig(ctx, &providerModel{}, osEnv)
	if diags.HasError() {
		t.Fatalf("config: %v", diags)
	}
	data := newProviderData(cfg)
	if err := vm.Server.SeedDomain(acctest.VirtualminUser, "domain", "plain.test", "pass", "Plain-Pass-1", "unix", "", "dir", "", "mail", ""); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		res   resource.Resource
		attrs map[string]any
		want  string // "" for no warning
	}{
		{"quota while quotas are off", newMailboxResource(),
			map[string]any{"domain": "plain.test", "name": "alice", "quota_mb": int64(100)}, "will ignore quota_mb"},
		{"no quota", newMailboxResource(), map[string]any{"domain": "plain.test", "name": "bob"}, ""},
		{"database type the account lacks", newDatabaseResource(),
			map[string]any{"domain": "plain.test", "name": "plain_app", "type": "mysql"}, "has the features unix, dir, mail, not mysql"},
		{"database of an account not created yet", newDatabaseResource(),
			map[string]any{"domain": "later.test", "name": "later_app", "type": "mysql"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cr resource.ConfigureResponse
			tc.res.(resource.ResourceWithConfigure).Configure(ctx, resource.ConfigureRequest{ProviderData: data}, &cr)
			var sr resource.SchemaResponse
			tc.res.Schema(ctx, resource.SchemaRequest{}, &sr)
			typ := sr.Schema.Type().TerraformType(ctx)
			plan := tfsdk.Plan{Schema: sr.Schema, Raw: tftypes.NewValue(typ, nil)}
			tc.attrs["server"] = vm.Endpoint
			for k, v := range tc.attrs {
				if d := plan.SetAttribute(ctx, path.Root(k), v); d.HasError() {
					t.Fatalf("set %s: %v", k, d)
				}
			}
			resp := resource.ModifyPlanResponse{Plan: plan}
			tc.res.(resource.ResourceWithModifyPlan).ModifyPlan(ctx, resource.ModifyPlanRequest{
				Plan: plan, Config: tfsdk.Config{Schema: sr.Schema, Raw: plan.Raw},
				State: tfsdk.State{Schema: sr.Schema, Raw: tftypes.NewValue(typ, nil)}}, &resp)
			if resp.Diagnostics.HasError() {
				t.Fatalf("ModifyPlan failed: %v", resp.Diagnostics)
			}
			w := resp.Diagnostics.Warnings()
			if tc.want == "" {
				if len(w) != 0 {
					t.Fatalf("unexpected warnings: %v", w)
				}
				return
			}
			if len(w) != 1 || !strings.Contains(w[0].Detail(), tc.want) || !strings.Contains(w[0].Detail(), "Server: "+vm.Endpoint) {
				t.Fatalf("want one warning with %q, got %v", tc.want, resp.Diagnostics)
			}
		})
	}
}
