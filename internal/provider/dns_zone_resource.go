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
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/praho/terraform-provider-praho/sdk/dns"
	"github.com/praho/terraform-provider-praho/sdk/powerdns"
)

var (
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
				Required:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Host names of the zone's name servers: the apex NS RRset. Changed in place " +
					"(one PATCH of the NS RRset), never by re-creating the zone.",
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
						Required:            true,
						ElementType:         types.StringType,
						MarkdownDescription: "Values in presentation format, compared semantically (see `praho_dns_record`).",
						Validators:          []validator.Set{setvalidator.SizeAtLeast(1)},
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

func (r *dnsZoneResource) client(diags *diag.Diagnostics) (*powerdns.Client, *zoneStore) {
	if r.data == nil {
		diags.AddError("Provider not configured", "The provider was not configured before the resource was used. This is a bug in the provider.")
		return nil, nil
	}
	c, s, err := r.data.powerDNS()
	if err != nil {
		diags.AddError("PowerDNS unavailable", err.Error())
		return nil, nil
	}
	return c, s
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

// desired returns the RRsets the model asks for, apex NS included, with ttl
// nsTTL for the NS RRset.
func (m *dnsZoneModel) desired(ctx context.Context, diags *diag.Diagnostics, nsTTL uint32) []dns.RRset {
	zone := dns.CanonicalName(m.Name.ValueString())
	var out []dns.RRset
	var ns []string
	diags.Append(m.Nameservers.ElementsAs(ctx, &ns, false)...)
	nsSet := dns.RRset{Name: zone, Type: "NS", TTL: nsTTL}
	for _, n := range ns {
		nsSet.Records = append(nsSet.Records, dns.Record{Content: dns.CanonicalName(n)})
	}
	out = append(out, nsSet)
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

func (r *dnsZoneResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan dnsZoneModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	c, store := r.client(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	zone := dns.CanonicalName(plan.Name.ValueString())
	id := zoneID(zone)
	if _, err := c.Zones.GetWithoutRRsets(ctx, zone); err == nil {
		resp.Diagnostics.AddError("Zone already exists",
			fmt.Sprintf("PowerDNS already serves %s and this configuration does not manage it; the provider never takes over a zone it did not create.\n\n%s",
				zone, importHint("praho_dns_zone", id)))
		return
	} else if !errors.Is(err, powerdns.ErrNotFound) {
		resp.Diagnostics.AddError("Cannot read zone "+zone, err.Error())
		return
	}
	want := plan.desired(ctx, &resp.Diagnostics, defaultTTL)
	if resp.Diagnostics.HasError() {
		return
	}
	var ns []string
	for _, rec := range want[0].Records {
		ns = append(ns, rec.Content)
	}
	kind := powerdns.ZoneKind(plan.Kind.ValueString())
	soa := plan.SOAEditAPI.ValueString()
	zc := powerdns.ZoneCreate{Name: zone, Kind: kind, Nameservers: ns, SOAEditAPI: &soa}
	for _, rr := range want[1:] {
		zc.RRsets = append(zc.RRsets, toPDNS(rr))
	}
	_, err := c.Zones.Create(ctx, zc)
	store.Invalidate(zone)
	if err != nil {
		if errors.Is(err, powerdns.ErrConflict) {
			resp.Diagnostics.AddError("Zone already exists",
				fmt.Sprintf("PowerDNS already serves %s (created meanwhile by someone else).\n\n%s", zone, importHint("praho_dns_zone", id)))
			return
		}
		resp.Diagnostics.AddError("Cannot create zone "+zone, err.Error())
		return
	}
	plan.ID = types.StringValue(id)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *dnsZoneResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state dnsZoneModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	c, _ := r.client(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	zone := dns.CanonicalName(state.Name.ValueString())
	z, err := c.Zones.Get(ctx, zone)
	if errors.Is(err, powerdns.ErrNotFound) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Cannot read zone "+zone, err.Error())
		return
	}
	imported, d := req.Private.GetKey(ctx, privateImported)
	resp.Diagnostics.Append(d...)
	r.fill(ctx, &resp.Diagnostics, &state, z, len(imported) > 0)
	if len(imported) > 0 {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImported, nil)...)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// privateImported marks a state just imported: its first Read takes every
// RRset of the zone into records.
const privateImported = "imported"

// fill copies the zone as PowerDNS holds it into m, keeping m's spelling of
// names and values where they mean the same.
func (r *dnsZoneResource) fill(ctx context.Context, diags *diag.Diagnostics, m *dnsZoneModel, z *powerdns.Zone, all bool) {
	zone := dns.CanonicalName(z.Name)
	m.ID = types.StringValue(zoneID(zone))
	if m.Name.IsNull() || dns.CanonicalName(m.Name.ValueString()) != zone {
		m.Name = types.StringValue(zoneID(zone))
	}
	m.Kind = types.StringValue(string(z.Kind))
	m.SOAEditAPI = types.StringValue(z.SOAEditAPI)
	actual := map[dns.Key]dns.RRset{}
	for _, p := range z.RRsets {
		rr := fromPDNS(p)
		actual[rr.Key()] = rr
	}
	// Name servers.
	if ns, ok := actual[dns.Key{Name: zone, Type: "NS"}]; ok {
		v, d := recordsValue(ctx, m.Nameservers, ns)
		diags.Append(d...)
		m.Nameservers = v
	} else {
		m.Nameservers = types.SetValueMust(types.StringType, nil)
	}
	// Records: those in state, plus everything else when exclusive.
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
		rr, ok := actual[k]
		if !ok {
			continue // deleted outside Terraform: the plan adds it back
		}
		seen[k] = true
		out[key] = zoneElement(ctx, diags, e, rr)
	}
	if m.Exclusive.ValueBool() || all {
		for k, rr := range actual {
			if seen[k] || (k.Name == zone && (k.Type == "SOA" || k.Type == "NS")) {
				continue
			}
			if out == nil {
				out = map[string]zoneRRset{}
			}
			out[dns.RelativeName(k.Name, zone)+"/"+k.Type] = zoneElement(ctx, diags, zoneRRset{Records: types.SetNull(types.StringType)}, rr)
		}
	}
	m.setRecords(ctx, diags, out)
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
	c, store := r.client(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	zone := dns.CanonicalName(plan.Name.ValueString())
	defer store.Invalidate(zone)

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
		if err := c.Zones.Modify(ctx, zone, u); err != nil {
			resp.Diagnostics.AddError("Cannot change zone "+zone, err.Error())
			return
		}
	}

	z, err := c.Zones.Get(ctx, zone)
	if err != nil {
		resp.Diagnostics.AddError("Cannot read zone "+zone, err.Error())
		return
	}
	var actual []dns.RRset
	nsTTL := uint32(defaultTTL)
	for _, p := range z.RRsets {
		rr := fromPDNS(p)
		if rr.Name == zone && rr.Type == "NS" {
			nsTTL = rr.TTL
		}
		actual = append(actual, rr)
	}
	desired := plan.desired(ctx, &resp.Diagnostics, nsTTL)
	if resp.Diagnostics.HasError() {
		return
	}
	managed := []dns.Key{{Name: zone, Type: "NS"}}
	for key := range state.records(ctx, &resp.Diagnostics) {
		if name, rrtype, err := parseRRsetKey(key); err == nil {
			managed = append(managed, dns.Key{Name: dns.AbsoluteName(name, zone), Type: dns.CanonicalType(rrtype)})
		}
	}
	p, err := dns.Diff(desired, actual, dns.DiffOptions{Zone: zone, Exclusive: plan.Exclusive.ValueBool(), Ownership: dns.RefuseUnmanaged, Managed: managed})
	var conflicts []*dns.ConflictError
	if err != nil {
		if !errors.Is(err, dns.ErrConflict) {
			resp.Diagnostics.AddError("Cannot compute the changes of zone "+zone, err.Error())
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
		resp.Diagnostics.AddAttributeError(path.Root("records"), "RRsets already exist",
			fmt.Sprintf("These RRsets exist in %s and this configuration does not manage them; nothing was changed:\n%s\n\n"+
				"To manage them in records, import the zone again, which takes every RRset into state:\n\n"+
				"  terraform state rm praho_dns_zone.<name>\n  terraform import praho_dns_zone.<name> %s\n\n"+
				"or delete them from the zone first.", zone, strings.Join(lines, "\n"), zoneID(zone)))
		return
	}
	changes := p.Changes
	if !plan.Exclusive.ValueBool() {
		// RRsets dropped from records are deleted; others are left alone.
		want := map[dns.Key]bool{}
		for _, rr := range desired {
			want[rr.Key()] = true
		}
		have := map[dns.Key]dns.RRset{}
		for _, rr := range actual {
			have[rr.Key()] = rr
		}
		for _, k := range managed {
			if cur, ok := have[k]; ok && !want[k] {
				cur := cur
				changes = append(changes, dns.Change{Op: dns.Delete, Current: &cur})
			}
		}
		dns.SortChanges(changes)
	}
	if len(changes) > 0 {
		if err := c.Backend().Apply(ctx, zone, changes); err != nil {
			resp.Diagnostics.AddError("Cannot change the RRsets of zone "+zone,
				fmt.Sprintf("%v\nNothing was changed: the %d changes were sent as one atomic PATCH.", err, len(changes)))
			return
		}
	}
	plan.ID = types.StringValue(zoneID(zone))
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *dnsZoneResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state dnsZoneModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	c, store := r.client(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	zone := dns.CanonicalName(state.Name.ValueString())
	err := c.Zones.Delete(ctx, zone)
	store.Invalidate(zone)
	if err != nil && !errors.Is(err, powerdns.ErrNotFound) {
		resp.Diagnostics.AddError("Cannot delete zone "+zone, err.Error())
	}
}

// ImportState imports a zone with every RRset (apex SOA and NS aside) in
// records: the next plan deletes the ones the configuration does not list.
func (r *dnsZoneResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if err := checkDNSName(req.ID, true); err != nil {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("want a zone name such as example.ro: %v", err))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), zoneID(req.ID))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), zoneID(req.ID))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("exclusive"), false)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImported, []byte(`{"v":1}`))...)
}
