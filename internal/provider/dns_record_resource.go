package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/praho/terraform-provider-praho/sdk/dns"
)

var (
	_ resource.Resource                   = (*dnsRecordResource)(nil)
	_ resource.ResourceWithConfigure      = (*dnsRecordResource)(nil)
	_ resource.ResourceWithImportState    = (*dnsRecordResource)(nil)
	_ resource.ResourceWithValidateConfig = (*dnsRecordResource)(nil)
)

// dnsRecordResource is one RRset (zone, name, type) managed on its own.
type dnsRecordResource struct {
	data *providerData
}

func newDNSRecordResource() resource.Resource { return &dnsRecordResource{} }

type dnsRecordModel struct {
	ID       types.String   `tfsdk:"id"`
	Zone     types.String   `tfsdk:"zone"`
	Name     types.String   `tfsdk:"name"`
	Type     types.String   `tfsdk:"type"`
	TTL      types.Int64    `tfsdk:"ttl"`
	Records  types.Set      `tfsdk:"records"`
	Backends types.Set      `tfsdk:"backends"`
	Proxied  types.Bool     `tfsdk:"proxied"`
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

func (r *dnsRecordResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_dns_record"
}

func (r *dnsRecordResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Version: 0,
		MarkdownDescription: "One RRset (every record of one name and type) in a zone served by PowerDNS, " +
			"managed on its own, for example one per hosting account. Changes are made in place with one " +
			"atomic PATCH (never a delete and a create). An RRset that already exists is never taken over: " +
			"import it instead.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "`<zone>/<name>/<type>`, with the name relative to the zone (`@` for the apex), as `terraform import` takes it.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"zone": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Zone holding the RRset, such as `example.ro`. The zone must exist (see `praho_dns_zone`). Changing it replaces the RRset.",
				Validators:          []validator.String{dnsNameValidator{zone: true}},
				PlanModifiers:       []planmodifier.String{requiresReplaceUnlessSameName()},
			},
			"name": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Owner name relative to the zone (`www`, `_dmarc`, `*`), `@` for the apex, or an " +
					"absolute name inside the zone. Compared without regard to case or a trailing dot. Changing it replaces the RRset.",
				Validators:    []validator.String{dnsNameValidator{}},
				PlanModifiers: []planmodifier.String{requiresReplaceUnlessSameName()},
			},
			"type": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Record type, in capitals: " + "`" + strings.Join(recordTypes, "`, `") + "`. Changing it replaces the RRset.",
				Validators:          []validator.String{stringvalidator.OneOf(recordTypes...)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"ttl": schema.Int64Attribute{
				Optional:            true,
				Computed:            true,
				Default:             int64default.StaticInt64(defaultTTL),
				MarkdownDescription: "Time to live in seconds. Defaults to `3600`.",
				Validators:          []validator.Int64{int64validator.Between(1, 2147483647)},
			},
			"records": schema.SetAttribute{
				Required:    true,
				ElementType: types.StringType,
				MarkdownDescription: "The record values in presentation format: `192.0.2.1`, `10 mail.example.ro.`, " +
					"`\"v=spf1 mx -all\"` (TXT may be written with or without quotes). Compared semantically: the " +
					"case of names, trailing dots and TXT quoting never show as a change. A host name in a value (a CNAME, " +
					"NS or PTR target, the exchange of an MX, the target of an SRV) is always fully-qualified, with or " +
					"without its trailing dot, as Cloudflare takes it: `www` means the top-level name `www.`, never " +
					"`www.<zone>`, so write `www.example.ro`. The plan warns about a target with a single label.",
				Validators: []validator.Set{setvalidator.SizeAtLeast(1), setvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
			},
			"proxied": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
				MarkdownDescription: "Cloudflare only: serve the name through Cloudflare's proxy. Needs `ttl = 1` (automatic), " +
					"an A, AAAA or CNAME record and `cloudflare` in `backends`; all of this is checked at plan time.",
			},
			"backends": backendsAttribute("Where the RRset lives: `powerdns`, `cloudflare` or both (the zone must exist on each). "+
				"Each backend is read and written; a change missing on one of them shows in the plan. Changing the set "+
				"replaces the RRset.", setplanmodifier.RequiresReplace()),
			"timeouts": timeouts.AttributesAll(ctx),
		},
	}
}

func (r *dnsRecordResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = d
}

// ValidateConfig checks at plan time what can be known then: the name lies in
// the zone, each value is valid for the type and the RRset fits DNS.
func (r *dnsRecordResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m dnsRecordModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateRRsetConfig(ctx, &resp.Diagnostics, path.Root("name"), path.Root("type"), path.Root("records"), m.Zone, m.Name, m.Type, m.Records)
	if m.Proxied.ValueBool() {
		if !m.Type.IsUnknown() && !slices.Contains([]string{"A", "AAAA", "CNAME"}, m.Type.ValueString()) {
			resp.Diagnostics.AddAttributeError(path.Root("proxied"), "Record type cannot be proxied",
				fmt.Sprintf("Cloudflare proxies only A, AAAA and CNAME records, not %s.", m.Type.ValueString()))
		}
		if !m.TTL.IsUnknown() && (m.TTL.IsNull() || m.TTL.ValueInt64() != 1) {
			resp.Diagnostics.AddAttributeError(path.Root("ttl"), "Proxied records need ttl = 1",
				"Cloudflare sets the TTL of proxied records itself; write ttl = 1 (automatic).")
		}
		if !m.Backends.IsUnknown() && !slices.Contains(backendNames(ctx, &resp.Diagnostics, m.Backends), "cloudflare") {
			resp.Diagnostics.AddAttributeError(path.Root("proxied"), "Proxied without Cloudflare",
				"proxied applies to Cloudflare only: add \"cloudflare\" to backends or remove proxied.")
		}
	}
}

// noteProxied tells the Cloudflare backend whether m's RRset is proxied.
func (r *dnsRecordResource) noteProxied(m *dnsRecordModel) {
	if r.data == nil {
		return
	}
	k := dns.AbsoluteName(m.Name.ValueString(), m.Zone.ValueString()) + "|" + dns.CanonicalType(m.Type.ValueString())
	r.data.cfProxied.Store(k, m.Proxied.ValueBool())
}

// begin marks an operation on zone as started on every backend (the zone
// stores send a batch sooner when every operation waits for one) and
// returns the function that marks its end.
func begin(backends []*dnsBackend, zone string) (end func()) {
	ends := make([]func(), len(backends))
	for i, b := range backends {
		ends[i] = b.store.Begin(zone)
	}
	return func() {
		for _, e := range ends {
			e()
		}
	}
}

// desiredRRset builds the canonical RRset of the model.
func (m *dnsRecordModel) desiredRRset(ctx context.Context, diags *diag.Diagnostics) dns.RRset {
	var vals []string
	diags.Append(m.Records.ElementsAs(ctx, &vals, false)...)
	rr := dns.RRset{
		Name: dns.AbsoluteName(m.Name.ValueString(), m.Zone.ValueString()),
		Type: dns.CanonicalType(m.Type.ValueString()),
		TTL:  uint32(m.TTL.ValueInt64()),
	}
	for _, v := range vals {
		rr.Records = append(rr.Records, dns.Record{Content: v})
	}
	canon, err := dns.CanonicalRRset(rr)
	if err != nil {
		diags.AddAttributeError(path.Root("records"), "Invalid record value", err.Error())
		return rr
	}
	return canon
}

// recordID is the import ID: zone without trailing dot, relative name, type.
func recordID(zone, name, rrtype string) string {
	z := dns.CanonicalName(zone)
	return strings.TrimSuffix(z, ".") + "/" + dns.RelativeName(dns.AbsoluteName(name, zone), z) + "/" + dns.CanonicalType(rrtype)
}

func (r *dnsRecordResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan dnsRecordModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, plan.Timeouts.Create, dnsTimeout)
	defer cancel()
	backends := r.data.dnsBackendsOf(ctx, &resp.Diagnostics, plan.Backends)
	if resp.Diagnostics.HasError() {
		return
	}
	zone := plan.Zone.ValueString()
	defer begin(backends, zone)()
	desired := plan.desiredRRset(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id := recordID(zone, plan.Name.ValueString(), plan.Type.ValueString())
	r.noteProxied(&plan)
	for _, b := range backends {
		current, err := b.store.RRsets(ctx, zone)
		if err != nil {
			zoneReadError(&resp.Diagnostics, b.name, zone, err)
			return
		}
		if ex, ok := current[desired.Key()]; ok {
			resp.Diagnostics.AddError("RRset already exists",
				fmt.Sprintf("%s %s already exists in zone %s on %s (%s) and this configuration does not manage it; "+
					"the provider never takes over an RRset it did not create.\n\n%s",
					desired.Name, desired.Type, dns.CanonicalName(zone), b.name, describeRecords(ex), importHint("praho_dns_record", id)))
			return
		}
	}
	for i, b := range backends {
		if err := b.store.Apply(ctx, zone, dns.Change{Op: dns.Create, Desired: &desired}); err != nil {
			if mayHaveChanged(err) {
				// It may be on this backend: kept, and settled by the next
				// refresh (unsettled_create.go), never left unmanaged.
				keepUnsettledDNSCreate(ctx, &resp.Diagnostics, resp.Private, b.name, "RRset",
					fmt.Sprintf("RRset: %s %s in zone %s", desired.Name, desired.Type, dns.CanonicalName(zone)), err)
				plan.ID = types.StringValue(id)
				resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
				return
			}
			applyError(&resp.Diagnostics, "praho_dns_record", id, desired, fmt.Errorf("%s: %w", b.name, err))
			r.undoCreate(ctx, &resp.Diagnostics, backends[:i], b.name, zone, desired)
			return
		}
	}
	plan.ID = types.StringValue(id)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// undoCreate deletes the RRset from the backends where it was created, after
// it failed on another, so that nothing is left unmanaged. It runs with its
// own bound: the failure may be the operation's timeout.
func (r *dnsRecordResource) undoCreate(ctx context.Context, diags *diag.Diagnostics, done []*dnsBackend, failed, zone string, rr dns.RRset) {
	ctx, cancel := undoContext(ctx)
	defer cancel()
	for _, b := range done {
		if err := b.store.Apply(ctx, zone, dns.Change{Op: dns.Delete, Current: &rr}); err != nil {
			diags.AddError("Cannot undo the RRset on "+b.name,
				fmt.Sprintf("%s %s was created on %s but not on %s, and deleting it again failed: %v. Delete it by hand.",
					rr.Name, rr.Type, b.name, failed, err))
		}
	}
}

func (r *dnsRecordResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state dnsRecordModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, state.Timeouts.Read, dnsTimeout)
	defer cancel()
	backends := r.data.dnsBackendsOf(ctx, &resp.Diagnostics, state.Backends)
	if resp.Diagnostics.HasError() {
		return
	}
	zone := state.Zone.ValueString()
	want := state.desiredRRset(ctx, &resp.Diagnostics)
	key := dns.Key{Name: dns.AbsoluteName(state.Name.ValueString(), zone), Type: dns.CanonicalType(state.Type.ValueString())}
	// The view shown in state: the first backend that differs from the state
	// (so the plan shows the drift), else the first one.
	var view *dns.RRset
	found, missing := 0, 0
	for _, b := range backends {
		current, err := b.store.RRsets(ctx, zone)
		if err != nil && !zoneMissing(err) {
			zoneReadError(&resp.Diagnostics, b.name, zone, err)
			return
		}
		rr, ok := current[key]
		if !ok {
			missing++
			continue
		}
		found++
		if view == nil || (dns.EqualRRsets(*view, want) && !dns.EqualRRsets(rr, want)) {
			view = &rr
		}
	}
	asAsked := found > 0 && dns.EqualRRsets(*view, want)
	if settleCreate(ctx, req, resp, "Backends: "+strings.Join(backendNames(ctx, &resp.Diagnostics, state.Backends), ", "), "RRset",
		fmt.Sprintf("RRset: %s %s in zone %s", key.Name, key.Type, dns.CanonicalName(zone)), found > 0, asAsked) == settledDropped {
		return
	}
	if found == 0 {
		// Gone everywhere (or the zone is gone): the next apply creates it.
		resp.State.RemoveResource(ctx)
		return
	}
	if missing == 0 && dns.EqualRRsets(*view, want) && state.ID.ValueString() == recordID(zone, state.Name.ValueString(), state.Type.ValueString()) {
		return // as in state: the response already holds it
	}
	state.TTL = types.Int64Value(int64(view.TTL))
	recs, d := recordsValue(ctx, state.Records, *view)
	resp.Diagnostics.Append(d...)
	if missing > 0 {
		// Missing on some backend: an empty value makes the plan put it back.
		recs = types.SetValueMust(types.StringType, nil)
	}
	state.Records = recs
	state.ID = types.StringValue(recordID(zone, state.Name.ValueString(), state.Type.ValueString()))
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *dnsRecordResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state dnsRecordModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, plan.Timeouts.Update, dnsTimeout)
	defer cancel()
	r.noteProxied(&plan)
	proxiedChanged := !plan.Proxied.Equal(state.Proxied)
	backends := r.data.dnsBackendsOf(ctx, &resp.Diagnostics, plan.Backends)
	if resp.Diagnostics.HasError() {
		return
	}
	zone := plan.Zone.ValueString()
	defer begin(backends, zone)()
	desired := plan.desiredRRset(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id := recordID(zone, plan.Name.ValueString(), plan.Type.ValueString())
	for _, b := range backends {
		current, err := b.store.RRsets(ctx, zone)
		if err != nil {
			zoneReadError(&resp.Diagnostics, b.name, zone, err)
			return
		}
		cur, ok := current[desired.Key()]
		var ch dns.Change
		switch {
		case !ok:
			ch = dns.Change{Op: dns.Create, Desired: &desired} // deleted on this backend by hand
		case dns.EqualRRsets(cur, desired) && !(proxiedChanged && b.name == "cloudflare"):
			continue
		default:
			ch = dns.Change{Op: dns.Update, Desired: &desired, Current: &cur}
		}
		if err := b.store.Apply(ctx, zone, ch); err != nil {
			applyError(&resp.Diagnostics, "praho_dns_record", id, desired, fmt.Errorf("%s: %w", b.name, err))
			return
		}
	}
	plan.ID = types.StringValue(id)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *dnsRecordResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state dnsRecordModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, state.Timeouts.Delete, dnsTimeout)
	defer cancel()
	backends := r.data.dnsBackendsOf(ctx, &resp.Diagnostics, state.Backends)
	r.noteProxied(&state)
	current := state.desiredRRset(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	zone := state.Zone.ValueString()
	defer begin(backends, zone)()
	for _, b := range backends {
		err := b.store.Apply(ctx, zone, dns.Change{Op: dns.Delete, Current: &current})
		if err != nil && !zoneMissing(err) {
			resp.Diagnostics.AddError(fmt.Sprintf("Cannot delete RRset %s %s on %s", current.Name, current.Type, b.name), dnsErrorDetail(err))
		}
	}
}

func (r *dnsRecordResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts := strings.Split(req.ID, "/")
	if (len(parts) != 3 && len(parts) != 4) || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("%q: want <zone>/<name>/<type>, with the name relative to the zone and @ for the apex, "+
				"for example example.ro/www/A or example.ro/@/MX; add /<backend>[,<backend>] for other backends than "+
				"PowerDNS (example.ro/www/A/powerdns,cloudflare).", req.ID))
		return
	}
	zone, name, rrtype := parts[0], parts[1], strings.ToUpper(parts[2])
	backends, ok := importBackends(&resp.Diagnostics, parts[3:])
	if !ok {
		return
	}
	bset, d := types.SetValueFrom(ctx, types.StringType, backends)
	resp.Diagnostics.Append(d...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("backends"), bset)...)
	// Cloudflare's proxy flag is not read back: imported as off.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("proxied"), false)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("zone"), zone)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("type"), rrtype)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), recordID(zone, name, rrtype))...)
}
