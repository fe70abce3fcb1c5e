package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/praho/terraform-provider-praho/internal/acctest"
)

// TestDNSResourcesApplyTheirTimeouts calls the DNS resources directly with a
// timeout of 1ns in their timeouts block: every operation, read included,
// fails as having run out of time, and a create leaves nothing behind. The
// same calls with the default timeouts succeed.
func TestDNSResourcesApplyTheirTimeouts(t *testing.T) {
	p := acctest.StartPowerDNS(t)
	ctx := context.Background()
	cfg, diags := buildConfig(ctx, &providerModel{}, osEnv)
	if diags.HasError() {
		t.Fatalf("config: %v", diags)
	}
	zone := acctest.UniqueName("timeouts") + ".example"
	p.CreateZone(t, zone)

	type op func(r resource.Resource, st tfsdk.State) diag.Diagnostics
	read := func(r resource.Resource, st tfsdk.State) diag.Diagnostics {
		resp := resource.ReadResponse{State: st}
		r.Read(ctx, resource.ReadRequest{State: st}, &resp)
		return resp.Diagnostics
	}
	create := func(r resource.Resource, st tfsdk.State) diag.Diagnostics {
		resp := resource.CreateResponse{State: tfsdk.State{Schema: st.Schema, Raw: tftypes.NewValue(st.Raw.Type(), nil)}}
		r.Create(ctx, resource.CreateRequest{Plan: tfsdk.Plan(st)}, &resp)
		return resp.Diagnostics
	}
	record := map[string]any{"zone": zone, "name": "www", "type": "A", "ttl": int64(300), "records": []string{"192.0.2.1"}}
	newZone := acctest.UniqueName("tz") + ".example"
	for _, tc := range []struct {
		name    string
		res     resource.Resource
		attrs   map[string]any
		timeout string // the timeouts attribute op applies
		op      op
		gone    func() bool // for creates: the object is not on the server
	}{
		{"record create", newDNSRecordResource(), record, "create", create, func() bool {
			_, err := p.Client.Zones.GetRRset(ctx, zone, "www."+zone, "A")
			return err != nil
		}},
		{"record read", newDNSRecordResource(), record, "read", read, nil},
		{"zone create", newDNSZoneResource(), map[string]any{"name": newZone, "nameservers": []string{"ns1.example.org."}, "kind": "Native", "soa_edit_api": "DEFAULT"}, "create", create, func() bool {
			_, err := p.Client.Zones.GetWithoutRRsets(ctx, newZone)
			return err != nil
		}},
		{"zone read", newDNSZoneResource(), map[string]any{"name": zone}, "read", read, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := tc.res.(resource.ResourceWithConfigure)
			var cr resource.ConfigureResponse
			res.Configure(ctx, resource.ConfigureRequest{ProviderData: newProviderData(cfg)}, &cr)
			var sr resource.SchemaResponse
			res.Schema(ctx, resource.SchemaRequest{}, &sr)
			st := tfsdk.State{Schema: sr.Schema, Raw: tftypes.NewValue(sr.Schema.Type().TerraformType(ctx), nil)}
			for k, v := range tc.attrs {
				if d := st.SetAttribute(ctx, path.Root(k), v); d.HasError() {
					t.Fatalf("set %s: %v", k, d)
				}
			}
			if d := st.SetAttribute(ctx, path.Root("timeouts").AtName(tc.timeout), "1ns"); d.HasError() {
				t.Fatalf("set timeouts: %v", d)
			}
			d := tc.op(res, st)
			if !d.HasError() || !strings.Contains(d.Errors()[0].Detail(), "ran out of time") {
				t.Fatalf("with a 1ns timeout: %v, want an error that the operation ran out of time", d)
			}
			if tc.gone != nil && !tc.gone() {
				t.Fatal("the create went on after its timeout")
			}
			// The control: the default timeout lets the same call through.
			if d := st.SetAttribute(ctx, path.Root("timeouts").AtName(tc.timeout), types.StringNull()); d.HasError() {
				t.Fatal(d)
			}
			res.Configure(ctx, resource.ConfigureRequest{ProviderData: newProviderData(cfg)}, &cr)
			if d := tc.op(res, st); d.HasError() {
				t.Fatalf("with the default timeout: %v", d)
			}
			if tc.gone != nil && tc.gone() {
				t.Fatal("the create with the default timeout made nothing")
			}
		})
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = p.Client.Zones.Delete(ctx, newZone)
	})
}

// TestUndoContextOutlivesTheOperation: the undo of a half-made create runs
// after the operation's context ended, with a bound of its own.
func TestUndoContextOutlivesTheOperation(t *testing.T) {
	op, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-op.Done()
	ctx, stop := undoContext(op)
	defer stop()
	if ctx.Err() != nil {
		t.Fatalf("undo context ended with the operation: %v", ctx.Err())
	}
	if d, ok := ctx.Deadline(); !ok || time.Until(d) > dnsUndoTimeout {
		t.Fatalf("undo context deadline = %v, %v; want one within %v", d, ok, dnsUndoTimeout)
	}
}
