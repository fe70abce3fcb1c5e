package provider

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/praho/terraform-provider-praho/sdk/dns"
	"github.com/praho/terraform-provider-praho/sdk/powerdns"
)

var (
	_ resource.ResourceWithModifyPlan     = (*dnsZoneResource)(nil)
	_ resource.Resource                   = (*dnsZoneResource)(nil)
	_ resource.ResourceWithConfigure      = (*dnsZoneResource)(nil)
	_ resource.ResourceWithImportState    = (*dnsZoneResource)(nil)
	_ resource.ResourceWithValidateConfig = (*dnsZoneResource)(nil)
)

// dnsZoneResource is a zone and the RRsets it manages, on one or more DNS
// backends (dns.ZoneBackend): the same steps for each, in the order of
// dnsBackends. The state model is in dns_zone_model.go.
type dnsZoneResource struct {
	data *providerData
}

func newDNSZoneResource() resource.Resource { return &dnsZoneResource{} }

var soaEditAPIValues = []string{"DEFAULT", "INCREASE", "EPOCH", "SOA-EDIT", "SOA-EDIT-INCREASE"}

func (r *dnsZoneResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_dns_zone"
}

func (r *dnsZoneResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Version: 0,
		MarkdownDescription: "A zone served by PowerDNS and the RRsets it manages. Only the RRsets listed in `records` " +
			"are managed, unless `exclusive` asks for the whole zone. The apex SOA is PowerDNS's and the apex NS " +
			"RRset follows `nameservers`, so neither shows a permanent diff. Every change is one atomic PATCH; " +
			"the zone is never deleted and re-created for a change of records, name servers, kind or SOA-EDIT-API.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The zone name without the trailing dot, as `terraform import` takes it.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Zone name, such as `example.ro`. Changing it replaces the zone.",
				Validators:          []validator.String{dnsNameValidator{zone: true}},
				PlanModifiers:       []planmodifier.String{requiresReplaceIfMeaningChanges(func(a, b string) bool { return dns.CanonicalName(a) == dns.CanonicalName(b) }, "Replaces the zone when its name changes.")},
			},
			"kind": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("Native"),
				MarkdownDescription: "How PowerDNS serves the zone: `Native` (default, replicated by the database), `Master` or `Slave`. Changed in place.",
				Validators:          []validator.String{stringvalidator.OneOf("Native", "Master", "Slave")},
			},
			"nameservers": schema.SetAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "PowerDNS: host names of the zone's name servers, the apex NS RRset (required with " +
					"the `powerdns` backend). Changed in place (one PATCH of the NS RRset), never by re-creating the zone. " +
					"Cloudflare assigns its own name servers: see `cloudflare_name_servers`.",
				Validators: []validator.Set{setvalidator.SizeAtLeast(1), setvalidator.ValueStringsAre(dnsNameValidator{zone: true})},
			},
			"soa_edit_api": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString("DEFAULT"),
				MarkdownDescription: "How the API bumps the SOA serial on each change: `" + strings.Join(soaEditAPIValues, "`, `") +
					"`. Defaults to `DEFAULT`, which keeps secondaries informed of every change.",
				Validators: []validator.String{stringvalidator.OneOf(soaEditAPIValues...)},
			},
			"exclusive": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
				MarkdownDescription: "Manage the whole zone: RRsets that are not in `records` (other than the apex SOA and NS) " +
					"show in the plan and are deleted. Without it, RRsets not listed are left alone and only shown " +
					"nowhere.",
			},
			"backends": backendsAttribute("Where the zone is served: `powerdns`, `cloudflare` or both, with the same records. " +
				"Adding a backend creates the zone there with its records; removing one deletes the zone there; the other " +
				"backends are not touched. A zone deleted by hand on one backend shows in the plan as that backend being added back."),
			"cloudflare_account_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Cloudflare: the account the zone belongs to (required with the `cloudflare` backend). " +
					"Used when the zone is created; read back afterwards.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"cloudflare_zone_id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Cloudflare's ID of the zone (empty without the `cloudflare` backend).",
			},
			"cloudflare_name_servers": schema.ListAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "The name servers Cloudflare assigned to the zone, to delegate it to (empty without the `cloudflare` backend).",
			},
			"records": schema.MapNestedAttribute{
				Optional: true,
				MarkdownDescription: "The RRsets the zone manages, keyed by `<name>/<TYPE>`: the owner name relative to the zone " +
					"(`www`, `@` for the apex) and the type in capitals (`www/A`, `@/MX`, `_dmarc/TXT`). SOA is never managed " +
					"and the apex NS comes from `nameservers`. A listed RRset that already exists in the zone and is not in " +
					"state is refused, never taken over.",
				Validators: []validator.Map{mapvalidator.KeysAre(rrsetKeyValidator{})},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"ttl": schema.Int64Attribute{
						Optional:            true,
						MarkdownDescription: "Time to live in seconds; `3600` when left out.",
						Validators:          []validator.Int64{int64validator.Between(1, 2147483647)},
					},
					"records": schema.SetAttribute{
						Required:    true,
						ElementType: types.StringType,
						MarkdownDescription: "Values in presentation format, compared semantically (see `praho_dns_record`). Host names in " +
							"values are fully-qualified with or without the trailing dot: write `www.example.ro`, not `www` " +
							"(the plan warns about a single-label target).",
						Validators: []validator.Set{setvalidator.SizeAtLeast(1)},
					},
				}},
			},
			"timeouts": timeouts.AttributesAll(ctx),
		},
	}
}

func (r *dnsZoneResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = d
}

func (r *dnsZoneResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m dnsZoneModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.Name.IsUnknown() || m.Name.IsNull() {
		return
	}
	zone := dns.CanonicalName(m.Name.ValueString())
	backends := backendNames(ctx, &resp.Diagnostics, m.Backends)
	if !m.Backends.IsUnknown() && slices.Contains(backends, "powerdns") && m.Nameservers.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("nameservers"), "Name servers missing",
			"A zone served by PowerDNS needs nameservers (its apex NS RRset).")
	}
	if !m.Backends.IsUnknown() && slices.Contains(backends, "cloudflare") && m.CloudflareAccountID.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("cloudflare_account_id"), "Cloudflare account missing",
			"A zone served by Cloudflare is created in an account: set cloudflare_account_id.")
	}
	seen := map[dns.Key]string{}
	recs := m.records(ctx, &resp.Diagnostics)
	for _, key := range slices.Sorted(maps.Keys(recs)) {
		rr := recs[key]
		name, rrtype, err := parseRRsetKey(key)
		if err != nil {
			continue // reported by the key validator
		}
		recPath := path.Root("records").AtMapKey(key)
		validateRRsetConfig(ctx, &resp.Diagnostics, recPath, recPath, recPath.AtName("records"), m.Name,
			types.StringValue(name), types.StringValue(rrtype), rr.Records)
		k := dns.Key{Name: dns.AbsoluteName(name, zone), Type: rrtype}
		if k.Name == zone && k.Type == "NS" {
			resp.Diagnostics.AddAttributeError(recPath, "Apex NS in records",
				"The apex NS RRset is set by nameservers; remove it from records.")
		}
		if other, dup := seen[k]; dup {
			resp.Diagnostics.AddAttributeError(recPath, "Duplicate RRset",
				fmt.Sprintf("records lists %s %s twice (%q and %q); put all its values under one key.", k.Name, k.Type, other, key))
		}
		seen[k] = key
	}
}

// ModifyPlan keeps the Cloudflare IDs known while the backends stay the same.
func (r *dnsZoneResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return
	}
	// Attribute by attribute: the whole model holds every record.
	var planBackends, stateBackends types.Set
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("backends"), &planBackends)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("backends"), &stateBackends)...)
	if resp.Diagnostics.HasError() || !planBackends.Equal(stateBackends) {
		return
	}
	for _, name := range []string{"cloudflare_zone_id", "cloudflare_name_servers"} {
		var v attr.Value
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root(name), &v)...)
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root(name), v)...)
	}
}

func (r *dnsZoneResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan dnsZoneModel
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
	var views []zoneView
	for i, b := range backends {
		z, err := r.createOn(ctx, &resp.Diagnostics, b, &plan)
		if errors.Is(err, powerdns.ErrUnknownOutcome) {
			// It may be on this backend: kept, and settled by the next
			// refresh (unsettled_create.go), never left unmanaged.
			keepUnsettledDNSCreate(ctx, &resp.Diagnostics, resp.Private, b.name, "zone", "Zone: "+plan.zoneName(), err)
			plan.ID = types.StringValue(zoneID(plan.zoneName()))
			plan.setAssigned(ctx, &resp.Diagnostics, views)
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
			return
		}
		if resp.Diagnostics.HasError() {
			// Undo the backends done, so no zone is left unmanaged.
			r.undoCreate(ctx, &resp.Diagnostics, backends[:i], plan.zoneName())
			return
		}
		views = append(views, newZoneView(b.name, z))
	}
	plan.ID = types.StringValue(zoneID(plan.zoneName()))
	plan.setAssigned(ctx, &resp.Diagnostics, views)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// createOn creates the zone with its records on one backend. An outcome
// the backend could not tell is returned for the caller to handle; other
// failures are reported in diags.
func (r *dnsZoneResource) createOn(ctx context.Context, diags *diag.Diagnostics, b *dnsBackend, plan *dnsZoneModel) (*dns.Zone, error) {
	zone := plan.zoneName()
	want := dns.Zone{Name: zone, Settings: plan.settings(), RRsets: plan.desired(ctx, diags)}
	for _, rec := range plan.nameserversRRset(ctx, diags, defaultTTL).Records {
		want.NameServers = append(want.NameServers, rec.Content)
	}
	if diags.HasError() {
		return nil, nil
	}
	defer b.store.Invalidate(zone)
	z, err := b.zones.CreateZone(ctx, want)
	switch {
	case errors.Is(err, powerdns.ErrUnknownOutcome):
		return nil, err
	case errors.Is(err, dns.ErrZoneExists):
		diags.AddError("Zone already exists",
			fmt.Sprintf("%s already serves %s and this configuration does not manage it; the provider never takes over a zone it did not create.\n\n%s",
				b.name, zone, importHint("praho_dns_zone", zoneID(zone))))
	case err != nil:
		diags.AddError("Cannot create zone "+zone+" on "+b.name, dnsErrorDetail(err))
	}
	return z, nil
}

// undoCreate deletes the zone from the backends where it was created, after
// it failed on another. It runs with its own bound: the failure may be the
// operation's timeout.
func (r *dnsZoneResource) undoCreate(ctx context.Context, diags *diag.Diagnostics, done []*dnsBackend, zone string) {
	ctx, cancel := undoContext(ctx)
	defer cancel()
	for _, b := range done {
		r.deleteOn(ctx, diags, b, zone)
	}
}

// deleteOn deletes the zone on one backend.
func (r *dnsZoneResource) deleteOn(ctx context.Context, diags *diag.Diagnostics, b *dnsBackend, zone string) {
	defer b.store.Invalidate(zone)
	if err := b.zones.DeleteZone(ctx, zone); err != nil {
		diags.AddError("Cannot delete zone "+zone+" on "+b.name, dnsErrorDetail(err))
	}
}

func (r *dnsZoneResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state dnsZoneModel
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
	zone := state.zoneName()
	// A backend without the zone is left out: the plan adds it back.
	var views []zoneView
	for _, b := range backends {
		z, err := b.zones.Zone(ctx, zone)
		switch {
		case zoneMissing(err):
		case err != nil:
			resp.Diagnostics.AddError("Cannot read zone "+zone+" on "+b.name, dnsErrorDetail(err))
			return
		default:
			views = append(views, newZoneView(b.name, z))
		}
	}
	asAsked := len(views) > 0
	for _, v := range views {
		for _, rr := range state.desired(ctx, &resp.Diagnostics) {
			got, ok := v.rrsets[rr.Key()]
			asAsked = asAsked && ok && dns.EqualRRsets(got, rr)
		}
	}
	if settleCreate(ctx, req, resp, "Backends: "+strings.Join(backendNames(ctx, &resp.Diagnostics, state.Backends), ", "), "zone",
		"Zone: "+zone, len(views) > 0, asAsked) == settledDropped {
		return
	}
	if len(views) == 0 {
		resp.State.RemoveResource(ctx)
		return
	}
	imported, d := req.Private.GetKey(ctx, privateImported)
	resp.Diagnostics.Append(d...)
	prior := state
	state.fill(ctx, &resp.Diagnostics, zone, views, len(imported) > 0)
	if len(imported) > 0 {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImported, nil)...)
	}
	if state.sameAs(&prior) {
		return // as in state: the response already holds it
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// privateImported marks a state just imported: its first Read takes every
// RRset of the zone into records.
const privateImported = "imported"

func (r *dnsZoneResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state dnsZoneModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, plan.Timeouts.Update, dnsTimeout)
	defer cancel()
	want := backendNames(ctx, &resp.Diagnostics, plan.Backends)
	had := backendNames(ctx, &resp.Diagnostics, state.Backends)
	zone := plan.zoneName()
	var views []zoneView
	for _, name := range dnsBackends {
		if !slices.Contains(want, name) && !slices.Contains(had, name) {
			continue
		}
		b, err := r.data.dnsBackend(name)
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("backends"), "DNS backend unavailable", err.Error())
			return
		}
		var z *dns.Zone
		switch {
		case !slices.Contains(want, name):
			r.deleteOn(ctx, &resp.Diagnostics, b, zone)
		case !slices.Contains(had, name):
			var err error
			if z, err = r.createOn(ctx, &resp.Diagnostics, b, &plan); err != nil {
				resp.Diagnostics.AddError("Cannot tell whether zone "+zone+" was created on "+b.name, dnsErrorDetail(err))
			}
		default:
			z = r.updateOn(ctx, &resp.Diagnostics, b, &plan, &state)
		}
		if resp.Diagnostics.HasError() {
			return
		}
		if z != nil {
			views = append(views, newZoneView(b.name, z))
		}
	}
	plan.ID = types.StringValue(zoneID(zone))
	plan.setAssigned(ctx, &resp.Diagnostics, views)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *dnsZoneResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state dnsZoneModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, state.Timeouts.Delete, dnsTimeout)
	defer cancel()
	for _, b := range r.data.dnsBackendsOf(ctx, &resp.Diagnostics, state.Backends) {
		r.deleteOn(ctx, &resp.Diagnostics, b, state.zoneName())
	}
}

// ImportState imports a zone with every RRset (apex SOA and NS aside) in
// records: the next plan deletes the ones the configuration does not list.
// The ID is the zone name, with /<backend>[,<backend>] for other backends than
// PowerDNS.
func (r *dnsZoneResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	name, list, _ := strings.Cut(req.ID, "/")
	if err := checkDNSName(name, true); err != nil {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("want a zone name such as example.ro, or example.ro/powerdns,cloudflare: %v", err))
		return
	}
	backends, ok := importBackends(&resp.Diagnostics, []string{list})
	if !ok {
		return
	}
	bset, d := types.SetValueFrom(ctx, types.StringType, backends)
	resp.Diagnostics.Append(d...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("backends"), bset)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), zoneID(name))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), zoneID(name))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("exclusive"), false)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImported, []byte(`{"v":1}`))...)
}
