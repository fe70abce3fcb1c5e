package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

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
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/praho/terraform-provider-praho/sdk/cloudflare"
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

// dnsZoneResource is a zone served by PowerDNS and the RRsets it manages.
type dnsZoneResource struct {
	data *providerData
}

func newDNSZoneResource() resource.Resource { return &dnsZoneResource{} }

type dnsZoneModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Kind        types.String `tfsdk:"kind"`
	Nameservers types.Set    `tfsdk:"nameservers"`
	SOAEditAPI  types.String `tfsdk:"soa_edit_api"`
	Exclusive   types.Bool   `tfsdk:"exclusive"`
	Records     types.Map    `tfsdk:"records"`

	Backends              types.Set    `tfsdk:"backends"`
	CloudflareAccountID   types.String `tfsdk:"cloudflare_account_id"`
	CloudflareZoneID      types.String `tfsdk:"cloudflare_zone_id"`
	CloudflareNameServers types.List   `tfsdk:"cloudflare_name_servers"`
}

// zoneRRsetType is the element type of records.
var zoneRRsetType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"ttl":     types.Int64Type,
	"records": types.SetType{ElemType: types.StringType},
}}

// records returns the known records map (nil when null or unknown).
func (m *dnsZoneModel) records(ctx context.Context, diags *diag.Diagnostics) map[string]zoneRRset {
	if m.Records.IsNull() || m.Records.IsUnknown() {
		return nil
	}
	out := map[string]zoneRRset{}
	diags.Append(m.Records.ElementsAs(ctx, &out, false)...)
	return out
}

// setRecords stores out in m (null when out is nil).
func (m *dnsZoneModel) setRecords(ctx context.Context, diags *diag.Diagnostics, out map[string]zoneRRset) {
	if out == nil {
		m.Records = types.MapNull(zoneRRsetType)
		return
	}
	v, d := types.MapValueFrom(ctx, zoneRRsetType, out)
	diags.Append(d...)
	m.Records = v
}

// zoneRRset is one RRset of records, keyed by "<name>/<TYPE>". TTL null
// means the default (3600).
type zoneRRset struct {
	TTL     types.Int64 `tfsdk:"ttl"`
	Records types.Set   `tfsdk:"records"`
}

// parseRRsetKey splits a records key "<name>/<TYPE>".
func parseRRsetKey(k string) (name, rrtype string, err error) {
	i := strings.LastIndex(k, "/")
	if i <= 0 || i == len(k)-1 {
		return "", "", fmt.Errorf("%q: want <name>/<TYPE>, such as \"www/A\" or \"@/MX\"", k)
	}
	return k[:i], k[i+1:], nil
}

type rrsetKeyValidator struct{}

func (rrsetKeyValidator) Description(context.Context) string {
	return "must be <name>/<TYPE>, such as www/A or @/MX"
}
func (v rrsetKeyValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (rrsetKeyValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	name, rrtype, err := parseRRsetKey(req.ConfigValue.ValueString())
	if err == nil {
		err = checkDNSName(name, false)
	}
	if err == nil && !slices.Contains(recordTypes, rrtype) {
		err = fmt.Errorf("type %q is not one of %s (in capitals; SOA is never managed)", rrtype, strings.Join(recordTypes, ", "))
	}
	if err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid RRset key", err.Error())
	}
}

const defaultTTL = 3600

var soaEditAPIValues = []string{"DEFAULT", "INCREASE", "EPOCH", "SOA-EDIT", "SOA-EDIT-INCREASE"}

func (r *dnsZoneResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_dns_zone"
}

func (r *dnsZoneResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
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
			"backends": schema.SetAttribute{
				Optional:    true,
				Computed:    true,
				ElementType: types.StringType,
				Default:     setdefault.StaticValue(types.SetValueMust(types.StringType, []attr.Value{types.StringValue("powerdns")})),
				MarkdownDescription: "Where the zone is served: `powerdns`, `cloudflare` or both, with the same records. " +
					"Defaults to `[\"powerdns\"]`. Adding a backend creates the zone there with its records; removing one " +
					"deletes the zone there; the other backends are not touched. A zone deleted by hand on one backend shows " +
					"in the plan as that backend being added back.",
				Validators: []validator.Set{
					setvalidator.SizeAtLeast(1),
					setvalidator.ValueStringsAre(stringvalidator.OneOf(dnsBackends...)),
				},
			},
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
	if !m.Backends.IsUnknown() && m.backendSet(ctx, &resp.Diagnostics)["powerdns"] && m.Nameservers.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("nameservers"), "Name servers missing",
			"A zone served by PowerDNS needs nameservers (its apex NS RRset).")
	}
	if !m.Backends.IsUnknown() && m.backendSet(ctx, &resp.Diagnostics)["cloudflare"] && m.CloudflareAccountID.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("cloudflare_account_id"), "Cloudflare account missing",
			"A zone served by Cloudflare is created in an account: set cloudflare_account_id.")
	}
	seen := map[dns.Key]string{}
	recs := m.records(ctx, &resp.Diagnostics)
	keys := make([]string, 0, len(recs))
	for k := range recs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
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

// backendSet returns the backends of m as a set.
func (m *dnsZoneModel) backendSet(ctx context.Context, diags *diag.Diagnostics) map[string]bool {
	var names []string
	if !m.Backends.IsNull() && !m.Backends.IsUnknown() {
		diags.Append(m.Backends.ElementsAs(ctx, &names, false)...)
	}
	if len(names) == 0 {
		names = []string{"powerdns"}
	}
	out := map[string]bool{}
	for _, n := range names {
		out[n] = true
	}
	return out
}

// zoneClients are the clients of the backends a zone uses.
type zoneClients struct {
	pdns      *powerdns.Client
	pdnsStore *zoneStore
	cf        *cloudflare.Client
	cfStore   *zoneStore
}

func (r *dnsZoneResource) clients(diags *diag.Diagnostics, backends map[string]bool) *zoneClients {
	if r.data == nil {
		diags.AddError("Provider not configured", "The provider was not configured before the resource was used. This is a bug in the provider.")
		return nil
	}
	zc := &zoneClients{}
	var err error
	if backends["powerdns"] {
		if zc.pdns, zc.pdnsStore, err = r.data.powerDNS(); err != nil {
			diags.AddAttributeError(path.Root("backends"), "PowerDNS unavailable", err.Error())
			return nil
		}
	}
	if backends["cloudflare"] {
		if zc.cf, zc.cfStore, err = r.data.cloudflare(); err != nil {
			diags.AddAttributeError(path.Root("backends"), "Cloudflare unavailable", err.Error())
			return nil
		}
	}
	return zc
}

// ModifyPlan keeps the Cloudflare IDs known while the backends stay the same.
func (r *dnsZoneResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return
	}
	var plan, state dnsZoneModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !plan.Backends.Equal(state.Backends) {
		return
	}
	plan.CloudflareZoneID, plan.CloudflareNameServers = state.CloudflareZoneID, state.CloudflareNameServers
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// collectConflicts finds every *dns.ConflictError in err (joined or wrapped).
func collectConflicts(err error) []*dns.ConflictError {
	var out []*dns.ConflictError
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if c, ok := e.(*dns.ConflictError); ok {
			out = append(out, c)
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

func zoneID(name string) string { return strings.TrimSuffix(dns.CanonicalName(name), ".") }

// desired returns the RRsets the model asks for, with ttl nsTTL for the
// apex NS RRset.
// The apex NS RRset comes first, and only when withNS (PowerDNS).
func (m *dnsZoneModel) desired(ctx context.Context, diags *diag.Diagnostics, nsTTL uint32, withNS bool) []dns.RRset {
	zone := dns.CanonicalName(m.Name.ValueString())
	var out []dns.RRset
	if withNS {
		var ns []string
		diags.Append(m.Nameservers.ElementsAs(ctx, &ns, false)...)
		nsSet := dns.RRset{Name: zone, Type: "NS", TTL: nsTTL}
		for _, n := range ns {
			nsSet.Records = append(nsSet.Records, dns.Record{Content: dns.CanonicalName(n)})
		}
		out = append(out, nsSet)
	}
	for key, e := range m.records(ctx, diags) {
		name, rrtype, err := parseRRsetKey(key)
		if err != nil {
			diags.AddAttributeError(path.Root("records").AtMapKey(key), "Invalid RRset key", err.Error())
			continue
		}
		var vals []string
		diags.Append(e.Records.ElementsAs(ctx, &vals, false)...)
		ttl := uint32(defaultTTL)
		if !e.TTL.IsNull() {
			ttl = uint32(e.TTL.ValueInt64())
		}
		rr := dns.RRset{Name: dns.AbsoluteName(name, zone), Type: dns.CanonicalType(rrtype), TTL: ttl}
		for _, v := range vals {
			rr.Records = append(rr.Records, dns.Record{Content: v})
		}
		c, err := dns.CanonicalRRset(rr)
		if err != nil {
			diags.AddAttributeError(path.Root("records"), "Invalid record value", err.Error())
			continue
		}
		out = append(out, c)
	}
	return out
}

func toPDNS(rr dns.RRset) powerdns.RRset {
	p := powerdns.RRset{Name: rr.Name, Type: rr.Type, TTL: rr.TTL}
	for _, r := range rr.Records {
		p.Records = append(p.Records, powerdns.Record{Content: r.Content, Disabled: r.Disabled})
	}
	return p
}

func fromPDNS(rr powerdns.RRset) dns.RRset {
	m := dns.RRset{Name: dns.CanonicalName(rr.Name), Type: dns.CanonicalType(rr.Type), TTL: rr.TTL}
	for _, r := range rr.Records {
		c, err := dns.CanonicalContent(m.Type, r.Content)
		if err != nil {
			c = strings.TrimSpace(r.Content)
		}
		m.Records = append(m.Records, dns.Record{Content: c, Disabled: r.Disabled})
	}
	return m
}

// zoneView is what one backend holds of the zone.
type zoneView struct {
	backend string
	rrsets  map[dns.Key]dns.RRset
	pdns    *powerdns.Zone
	cf      *cloudflare.Zone
}

// readZone reads the zone on every backend in the set; a backend without the
// zone is left out of the result.
func (r *dnsZoneResource) readZone(ctx context.Context, diags *diag.Diagnostics, zc *zoneClients, backends map[string]bool, zone string) []zoneView {
	var out []zoneView
	if backends["powerdns"] {
		z, err := zc.pdns.Zones.Get(ctx, zone)
		switch {
		case errors.Is(err, powerdns.ErrNotFound):
		case err != nil:
			diags.AddError("Cannot read zone "+zone+" on powerdns", err.Error())
			return nil
		default:
			v := zoneView{backend: "powerdns", pdns: z, rrsets: map[dns.Key]dns.RRset{}}
			for _, p := range z.RRsets {
				rr := fromPDNS(p)
				v.rrsets[rr.Key()] = rr
			}
			out = append(out, v)
		}
	}
	if backends["cloudflare"] {
		z, err := zc.cf.Zones.GetByName(ctx, zone)
		switch {
		case errors.Is(err, cloudflare.ErrNotFound):
		case err != nil:
			diags.AddError("Cannot read zone "+zone+" on cloudflare", err.Error())
			return nil
		default:
			zc.cfStore.Invalidate(zone)
			m, err := zc.cfStore.RRsets(ctx, zone)
			if err != nil {
				diags.AddError("Cannot read the records of zone "+zone+" on cloudflare", err.Error())
				return nil
			}
			out = append(out, zoneView{backend: "cloudflare", cf: z, rrsets: m})
		}
	}
	return out
}

// zoneExists reports whether the zone exists on backend.
func (r *dnsZoneResource) zoneExists(ctx context.Context, zc *zoneClients, backend, zone string) (bool, error) {
	var err error
	switch backend {
	case "powerdns":
		_, err = zc.pdns.Zones.GetWithoutRRsets(ctx, zone)
		if errors.Is(err, powerdns.ErrNotFound) {
			return false, nil
		}
	case "cloudflare":
		_, err = zc.cf.Zones.GetByName(ctx, zone)
		if errors.Is(err, cloudflare.ErrNotFound) {
			return false, nil
		}
	}
	return err == nil, err
}

// createOn creates the zone with its records on one backend.
func (r *dnsZoneResource) createOn(ctx context.Context, diags *diag.Diagnostics, zc *zoneClients, backend string, plan *dnsZoneModel) {
	zone := dns.CanonicalName(plan.Name.ValueString())
	id := zoneID(zone)
	if ok, err := r.zoneExists(ctx, zc, backend, zone); err != nil {
		diags.AddError("Cannot read zone "+zone+" on "+backend, err.Error())
		return
	} else if ok {
		diags.AddError("Zone already exists",
			fmt.Sprintf("%s already serves %s and this configuration does not manage it there; the provider never takes over a zone it did not create.\n\n%s",
				backend, zone, importHint("praho_dns_zone", id)))
		return
	}
	switch backend {
	case "powerdns":
		want := plan.desired(ctx, diags, defaultTTL, true)
		if diags.HasError() {
			return
		}
		var ns []string
		for _, rec := range want[0].Records {
			ns = append(ns, rec.Content)
		}
		soa := plan.SOAEditAPI.ValueString()
		create := powerdns.ZoneCreate{Name: zone, Kind: powerdns.ZoneKind(plan.Kind.ValueString()), Nameservers: ns, SOAEditAPI: &soa}
		for _, rr := range want[1:] {
			create.RRsets = append(create.RRsets, toPDNS(rr))
		}
		_, err := zc.pdns.Zones.Create(ctx, create)
		zc.pdnsStore.Invalidate(zone)
		if err != nil {
			if errors.Is(err, powerdns.ErrConflict) {
				diags.AddError("Zone already exists",
					fmt.Sprintf("PowerDNS already serves %s (created meanwhile by someone else).\n\n%s", zone, importHint("praho_dns_zone", id)))
				return
			}
			diags.AddError("Cannot create zone "+zone+" on powerdns", err.Error())
		}
	case "cloudflare":
		want := plan.desired(ctx, diags, defaultTTL, false)
		if diags.HasError() {
			return
		}
		if _, err := zc.cf.Zones.Create(ctx, cloudflare.ZoneCreateParams{Name: strings.TrimSuffix(zone, "."), AccountID: plan.CloudflareAccountID.ValueString()}); err != nil {
			diags.AddError("Cannot create zone "+zone+" on cloudflare", err.Error())
			return
		}
		zc.cfStore.Invalidate(zone)
		changes := make([]dns.Change, 0, len(want))
		for i := range want {
			changes = append(changes, dns.Change{Op: dns.Create, Desired: &want[i]})
		}
		if len(changes) > 0 {
			if err := zc.cfStore.backend.Apply(ctx, zone, changes); err != nil {
				diags.AddError("Cannot create the records of zone "+zone+" on cloudflare",
					fmt.Sprintf("%v\nThe zone was created; the next apply retries the records.", err))
			}
		}
		zc.cfStore.Invalidate(zone)
	}
}

// deleteOn deletes the zone on one backend.
func (r *dnsZoneResource) deleteOn(ctx context.Context, diags *diag.Diagnostics, zc *zoneClients, backend, zone string) {
	var err error
	switch backend {
	case "powerdns":
		err = zc.pdns.Zones.Delete(ctx, zone)
		zc.pdnsStore.Invalidate(zone)
		if errors.Is(err, powerdns.ErrNotFound) {
			err = nil
		}
	case "cloudflare":
		var z *cloudflare.Zone
		z, err = zc.cf.Zones.GetByName(ctx, zone)
		if err == nil {
			err = zc.cf.Zones.Delete(ctx, z.ID)
		}
		zc.cfStore.Invalidate(zone)
		if errors.Is(err, cloudflare.ErrNotFound) {
			err = nil
		}
	}
	if err != nil {
		diags.AddError("Cannot delete zone "+zone+" on "+backend, err.Error())
	}
}

// setCloudflareIDs fills the computed Cloudflare attributes.
func (r *dnsZoneResource) setCloudflareIDs(ctx context.Context, diags *diag.Diagnostics, m *dnsZoneModel, z *cloudflare.Zone) {
	if z == nil {
		m.CloudflareZoneID = types.StringValue("")
		m.CloudflareNameServers = types.ListValueMust(types.StringType, []attr.Value{})
		return
	}
	m.CloudflareZoneID = types.StringValue(z.ID)
	if z.AccountID != "" {
		m.CloudflareAccountID = types.StringValue(z.AccountID)
	}
	ns, d := types.ListValueFrom(ctx, types.StringType, z.NameServers)
	diags.Append(d...)
	if z.NameServers == nil {
		ns = types.ListValueMust(types.StringType, []attr.Value{})
	}
	m.CloudflareNameServers = ns
}

func (r *dnsZoneResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan dnsZoneModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	backends := plan.backendSet(ctx, &resp.Diagnostics)
	zc := r.clients(&resp.Diagnostics, backends)
	if resp.Diagnostics.HasError() {
		return
	}
	zone := dns.CanonicalName(plan.Name.ValueString())
	var created []string
	for _, b := range []string{"powerdns", "cloudflare"} {
		if !backends[b] {
			continue
		}
		r.createOn(ctx, &resp.Diagnostics, zc, b, &plan)
		if resp.Diagnostics.HasError() {
			// Undo the backends done, so no zone is left unmanaged.
			for _, done := range created {
				r.deleteOn(ctx, &resp.Diagnostics, zc, done, zone)
			}
			return
		}
		created = append(created, b)
	}
	var cfZone *cloudflare.Zone
	if backends["cloudflare"] {
		z, err := zc.cf.Zones.GetByName(ctx, zone)
		if err != nil {
			resp.Diagnostics.AddError("Cannot read zone "+zone+" on cloudflare", err.Error())
		}
		cfZone = z
	}
	plan.ID = types.StringValue(zoneID(zone))
	r.setCloudflareIDs(ctx, &resp.Diagnostics, &plan, cfZone)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *dnsZoneResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state dnsZoneModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	backends := state.backendSet(ctx, &resp.Diagnostics)
	zc := r.clients(&resp.Diagnostics, backends)
	if resp.Diagnostics.HasError() {
		return
	}
	zone := dns.CanonicalName(state.Name.ValueString())
	views := r.readZone(ctx, &resp.Diagnostics, zc, backends, zone)
	if resp.Diagnostics.HasError() {
		return
	}
	if len(views) == 0 {
		resp.State.RemoveResource(ctx)
		return
	}
	imported, d := req.Private.GetKey(ctx, privateImported)
	resp.Diagnostics.Append(d...)
	r.fill(ctx, &resp.Diagnostics, &state, zone, views, len(imported) > 0)
	if len(imported) > 0 {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImported, nil)...)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// privateImported marks a state just imported: its first Read takes every
// RRset of the zone into records.
const privateImported = "imported"

// fill copies the zone as the backends hold it into m, keeping m's spelling of
// names and values where they mean the same. A backend that lost the zone
// leaves backends (so the plan adds it back); an RRset missing or different on
// one backend shows as a change.
func (r *dnsZoneResource) fill(ctx context.Context, diags *diag.Diagnostics, m *dnsZoneModel, zone string, views []zoneView, all bool) {
	m.ID = types.StringValue(zoneID(zone))
	if m.Name.IsNull() || dns.CanonicalName(m.Name.ValueString()) != zone {
		m.Name = types.StringValue(zoneID(zone))
	}
	present := make([]string, 0, len(views))
	var cfZone *cloudflare.Zone
	for _, v := range views {
		present = append(present, v.backend)
		if v.pdns != nil {
			m.Kind = types.StringValue(string(v.pdns.Kind))
			m.SOAEditAPI = types.StringValue(v.pdns.SOAEditAPI)
			if ns, ok := v.rrsets[dns.Key{Name: zone, Type: "NS"}]; ok {
				val, d := recordsValue(ctx, m.Nameservers, ns)
				diags.Append(d...)
				m.Nameservers = val
			} else {
				m.Nameservers = types.SetValueMust(types.StringType, nil)
			}
		}
		if v.cf != nil {
			cfZone = v.cf
		}
	}
	bs, d := types.SetValueFrom(ctx, types.StringType, present)
	diags.Append(d...)
	m.Backends = bs
	r.setCloudflareIDs(ctx, diags, m, cfZone)

	prior := m.records(ctx, diags)
	var out map[string]zoneRRset
	if prior != nil {
		out = make(map[string]zoneRRset, len(prior))
	}
	seen := map[dns.Key]bool{}
	for key, e := range prior {
		name, rrtype, err := parseRRsetKey(key)
		if err != nil {
			continue
		}
		k := dns.Key{Name: dns.AbsoluteName(name, zone), Type: dns.CanonicalType(rrtype)}
		seen[k] = true
		var view *dns.RRset
		found, missing := 0, 0
		for _, v := range views {
			rr, ok := v.rrsets[k]
			if !ok {
				missing++
				continue
			}
			found++
			if view == nil || (zoneElementMatches(ctx, e, *view, zone) && !zoneElementMatches(ctx, e, rr, zone)) {
				rr := rr
				view = &rr
			}
		}
		if found == 0 {
			continue // deleted outside Terraform: the plan adds it back
		}
		el := zoneElement(ctx, diags, e, *view)
		if missing > 0 {
			el.Records = types.SetValueMust(types.StringType, nil)
		}
		out[key] = el
	}
	if m.Exclusive.ValueBool() || all {
		for _, v := range views {
			for k, rr := range v.rrsets {
				if seen[k] || (k.Name == zone && (k.Type == "SOA" || k.Type == "NS")) {
					continue
				}
				seen[k] = true
				if out == nil {
					out = map[string]zoneRRset{}
				}
				out[dns.RelativeName(k.Name, zone)+"/"+k.Type] = zoneElement(ctx, diags, zoneRRset{Records: types.SetNull(types.StringType)}, rr)
			}
		}
	}
	m.setRecords(ctx, diags, out)
}

// zoneElementMatches reports whether rr is what element e asks for.
func zoneElementMatches(ctx context.Context, e zoneRRset, rr dns.RRset, zone string) bool {
	ttl := uint32(defaultTTL)
	if !e.TTL.IsNull() {
		ttl = uint32(e.TTL.ValueInt64())
	}
	var vals []string
	e.Records.ElementsAs(ctx, &vals, false)
	want := dns.RRset{Name: rr.Name, Type: rr.Type, TTL: ttl}
	for _, v := range vals {
		want.Records = append(want.Records, dns.Record{Content: v})
	}
	return dns.EqualRRsets(rr, want)
}

// zoneElement renders rr with prior's spelling.
func zoneElement(ctx context.Context, diags *diag.Diagnostics, prior zoneRRset, rr dns.RRset) zoneRRset {
	var e zoneRRset
	switch {
	case !prior.TTL.IsNull():
		e.TTL = types.Int64Value(int64(rr.TTL))
	case rr.TTL == defaultTTL:
		e.TTL = types.Int64Null()
	default:
		e.TTL = types.Int64Value(int64(rr.TTL))
	}
	v, d := recordsValue(ctx, prior.Records, rr)
	diags.Append(d...)
	e.Records = v
	return e
}

func (r *dnsZoneResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state dnsZoneModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	want := plan.backendSet(ctx, &resp.Diagnostics)
	had := state.backendSet(ctx, &resp.Diagnostics)
	all := map[string]bool{}
	for b := range want {
		all[b] = true
	}
	for b := range had {
		all[b] = true
	}
	zc := r.clients(&resp.Diagnostics, all)
	if resp.Diagnostics.HasError() {
		return
	}
	zone := dns.CanonicalName(plan.Name.ValueString())

	for _, b := range []string{"powerdns", "cloudflare"} {
		switch {
		case had[b] && !want[b]:
			r.deleteOn(ctx, &resp.Diagnostics, zc, b, zone)
		case want[b] && !had[b]:
			r.createOn(ctx, &resp.Diagnostics, zc, b, &plan)
		case want[b]:
			r.updateOn(ctx, &resp.Diagnostics, zc, b, &plan, &state)
		}
		if resp.Diagnostics.HasError() {
			return
		}
	}
	var cfZone *cloudflare.Zone
	if want["cloudflare"] {
		z, err := zc.cf.Zones.GetByName(ctx, zone)
		if err != nil {
			resp.Diagnostics.AddError("Cannot read zone "+zone+" on cloudflare", err.Error())
			return
		}
		cfZone = z
	}
	plan.ID = types.StringValue(zoneID(zone))
	r.setCloudflareIDs(ctx, &resp.Diagnostics, &plan, cfZone)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// updateOn brings the zone on one backend to the plan: settings, then every
// RRset change in one atomic Apply.
func (r *dnsZoneResource) updateOn(ctx context.Context, diags *diag.Diagnostics, zc *zoneClients, backend string, plan, state *dnsZoneModel) {
	zone := dns.CanonicalName(plan.Name.ValueString())
	var actual []dns.RRset
	var apply func(context.Context, string, []dns.Change) error
	nsTTL := uint32(defaultTTL)
	switch backend {
	case "powerdns":
		defer zc.pdnsStore.Invalidate(zone)
		if !plan.Kind.Equal(state.Kind) || !plan.SOAEditAPI.Equal(state.SOAEditAPI) {
			var u powerdns.ZoneUpdate
			if !plan.Kind.Equal(state.Kind) {
				k := powerdns.ZoneKind(plan.Kind.ValueString())
				u.Kind = &k
			}
			if !plan.SOAEditAPI.Equal(state.SOAEditAPI) {
				s := plan.SOAEditAPI.ValueString()
				u.SOAEditAPI = &s
			}
			if err := zc.pdns.Zones.Modify(ctx, zone, u); err != nil {
				diags.AddError("Cannot change zone "+zone+" on powerdns", err.Error())
				return
			}
		}
		z, err := zc.pdns.Zones.Get(ctx, zone)
		if err != nil {
			diags.AddError("Cannot read zone "+zone+" on powerdns", err.Error())
			return
		}
		for _, p := range z.RRsets {
			rr := fromPDNS(p)
			if rr.Name == zone && rr.Type == "NS" {
				nsTTL = rr.TTL
			}
			actual = append(actual, rr)
		}
		apply = zc.pdns.Backend().Apply
	case "cloudflare":
		defer zc.cfStore.Invalidate(zone)
		zc.cfStore.Invalidate(zone)
		m, err := zc.cfStore.RRsets(ctx, zone)
		if err != nil {
			diags.AddError("Cannot read zone "+zone+" on cloudflare", err.Error())
			return
		}
		for _, rr := range m {
			actual = append(actual, rr)
		}
		apply = zc.cfStore.backend.Apply
	}
	desired := plan.desired(ctx, diags, nsTTL, backend == "powerdns")
	if diags.HasError() {
		return
	}
	var managed []dns.Key
	if backend == "powerdns" {
		managed = append(managed, dns.Key{Name: zone, Type: "NS"})
	}
	for key := range state.records(ctx, diags) {
		if name, rrtype, err := parseRRsetKey(key); err == nil {
			managed = append(managed, dns.Key{Name: dns.AbsoluteName(name, zone), Type: dns.CanonicalType(rrtype)})
		}
	}
	p, err := dns.Diff(desired, actual, dns.DiffOptions{Zone: zone, Exclusive: plan.Exclusive.ValueBool(), Ownership: dns.RefuseUnmanaged, Managed: managed})
	var conflicts []*dns.ConflictError
	if err != nil {
		if !errors.Is(err, dns.ErrConflict) {
			diags.AddError("Cannot compute the changes of zone "+zone+" on "+backend, err.Error())
			return
		}
		conflicts = collectConflicts(err)
	} else {
		conflicts = p.Conflicts
	}
	if len(conflicts) > 0 || err != nil {
		var lines []string
		for _, cf := range conflicts {
			lines = append(lines, fmt.Sprintf("  %s %s (%s)", cf.Existing.Name, cf.Existing.Type, describeRecords(cf.Existing)))
		}
		if len(lines) == 0 {
			lines = append(lines, "  "+err.Error())
		}
		diags.AddAttributeError(path.Root("records"), "RRsets already exist",
			fmt.Sprintf("These RRsets exist in %s on %s and this configuration does not manage them; nothing was changed:\n%s\n\n"+
				"To manage them in records, import the zone again, which takes every RRset into state:\n\n"+
				"  terraform state rm praho_dns_zone.<name>\n  terraform import praho_dns_zone.<name> %s\n\n"+
				"or delete them from the zone first.", zone, backend, strings.Join(lines, "\n"), zoneID(zone)))
		return
	}
	changes := p.Changes
	if !plan.Exclusive.ValueBool() {
		// RRsets dropped from records are deleted; others are left alone.
		wantKeys := map[dns.Key]bool{}
		for _, rr := range desired {
			wantKeys[rr.Key()] = true
		}
		have := map[dns.Key]dns.RRset{}
		for _, rr := range actual {
			have[rr.Key()] = rr
		}
		for _, k := range managed {
			if cur, ok := have[k]; ok && !wantKeys[k] {
				cur := cur
				changes = append(changes, dns.Change{Op: dns.Delete, Current: &cur})
			}
		}
		dns.SortChanges(changes)
	}
	if len(changes) > 0 {
		if err := apply(ctx, zone, changes); err != nil {
			diags.AddError("Cannot change the RRsets of zone "+zone+" on "+backend,
				fmt.Sprintf("%v\nThe %d changes were sent together (one atomic PATCH on PowerDNS, batches on Cloudflare).", err, len(changes)))
		}
	}
}

func (r *dnsZoneResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state dnsZoneModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	backends := state.backendSet(ctx, &resp.Diagnostics)
	zc := r.clients(&resp.Diagnostics, backends)
	if resp.Diagnostics.HasError() {
		return
	}
	zone := dns.CanonicalName(state.Name.ValueString())
	for _, b := range []string{"powerdns", "cloudflare"} {
		if backends[b] {
			r.deleteOn(ctx, &resp.Diagnostics, zc, b, zone)
		}
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
	backends := []string{"powerdns"}
	if list != "" {
		backends = strings.Split(list, ",")
		for _, b := range backends {
			if !slices.Contains(dnsBackends, b) {
				resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("backend %q is not one of %s", b, strings.Join(dnsBackends, ", ")))
				return
			}
		}
	}
	bset, d := types.SetValueFrom(ctx, types.StringType, backends)
	resp.Diagnostics.Append(d...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("backends"), bset)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), zoneID(name))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), zoneID(name))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("exclusive"), false)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImported, []byte(`{"v":1}`))...)
}
