package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/praho/terraform-provider-praho/sdk/cloudflare"
	"github.com/praho/terraform-provider-praho/sdk/dns"
	"github.com/praho/terraform-provider-praho/sdk/powerdns"
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
	ID       types.String `tfsdk:"id"`
	Zone     types.String `tfsdk:"zone"`
	Name     types.String `tfsdk:"name"`
	Type     types.String `tfsdk:"type"`
	TTL      types.Int64  `tfsdk:"ttl"`
	Records  types.Set    `tfsdk:"records"`
	Backends types.Set    `tfsdk:"backends"`
	Proxied  types.Bool   `tfsdk:"proxied"`
}

// dnsBackends are the DNS services a record can live on.
var dnsBackends = []string{"powerdns", "cloudflare"}

// recordTypes are the RRset types the DNS resources manage. SOA belongs to
// the zone and is never managed as a record.
var recordTypes = []string{"A", "AAAA", "ALIAS", "CAA", "CNAME", "DNAME", "DS", "HTTPS", "LOC", "MX", "NAPTR", "NS", "PTR", "SPF", "SRV", "SSHFP", "SVCB", "TLSA", "TXT"}

func (r *dnsRecordResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_dns_record"
}

func (r *dnsRecordResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
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
				Default:             int64default.StaticInt64(3600),
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
			"backends": schema.SetAttribute{
				Optional:    true,
				Computed:    true,
				ElementType: types.StringType,
				Default:     setdefault.StaticValue(types.SetValueMust(types.StringType, []attr.Value{types.StringValue("powerdns")})),
				MarkdownDescription: "Where the RRset lives: `powerdns`, `cloudflare` or both (the zone must exist on each). " +
					"Defaults to `[\"powerdns\"]`. Each backend is read and written; a change missing on one of them shows " +
					"in the plan. Changing the set replaces the RRset.",
				Validators: []validator.Set{
					setvalidator.SizeAtLeast(1),
					setvalidator.ValueStringsAre(stringvalidator.OneOf(dnsBackends...)),
				},
				PlanModifiers: []planmodifier.Set{setplanmodifier.RequiresReplace()},
			},
		},
	}
}

func (r *dnsRecordResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = d
}

// ValidateConfig checks at plan time what can be known then: the name lies in
// the zone, and each value is valid for the type.
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
		if !m.Backends.IsUnknown() {
			var bs []string
			resp.Diagnostics.Append(m.Backends.ElementsAs(ctx, &bs, false)...)
			if !slices.Contains(bs, "cloudflare") {
				resp.Diagnostics.AddAttributeError(path.Root("proxied"), "Proxied without Cloudflare",
					"proxied applies to Cloudflare only: add \"cloudflare\" to backends or remove proxied.")
			}
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

// validateRRsetConfig is shared with the records of praho_dns_zone.
func validateRRsetConfig(ctx context.Context, diags *diag.Diagnostics, namePath, typePath, recordsPath path.Path, zone, name, rrtype types.String, records types.Set) {
	if zone.IsUnknown() || zone.IsNull() || name.IsUnknown() || name.IsNull() {
		return
	}
	abs := dns.AbsoluteName(name.ValueString(), zone.ValueString())
	if !dns.InZone(abs, dns.CanonicalName(zone.ValueString())) {
		diags.AddAttributeError(namePath, "Name outside the zone",
			fmt.Sprintf("%q is not inside zone %q. Write it relative to the zone (\"www\", \"@\") or as an absolute name ending in the zone.",
				name.ValueString(), zone.ValueString()))
		return
	}
	if rrtype.IsUnknown() || rrtype.IsNull() || records.IsUnknown() || records.IsNull() {
		return
	}
	t := rrtype.ValueString()
	if t == "CNAME" && abs == dns.CanonicalName(zone.ValueString()) {
		diags.AddAttributeError(typePath, "CNAME at the zone apex",
			"A CNAME cannot sit at the apex, beside the SOA and NS records. Use ALIAS (PowerDNS) or A/AAAA records.")
	}
	var vals []types.String
	diags.Append(records.ElementsAs(ctx, &vals, false)...)
	if t == "CNAME" && len(vals) > 1 {
		diags.AddAttributeError(recordsPath, "Several CNAME values", "A CNAME RRset holds exactly one value.")
	}
	rr := dns.RRset{Name: abs, Type: t}
	valid := true
	for _, v := range vals {
		if v.IsUnknown() || v.IsNull() {
			valid = false
			continue
		}
		rr.Records = append(rr.Records, dns.Record{Content: v.ValueString()})
		if _, err := dns.CanonicalContent(t, v.ValueString()); err != nil {
			diags.AddAttributeError(recordsPath, "Invalid record value", err.Error())
			valid = false
			continue
		}
		if target, ok := singleLabelTarget(t, v.ValueString()); ok {
			zoneName := strings.TrimSuffix(zone.ValueString(), ".")
			diags.AddAttributeWarning(recordsPath, "Record target is a top-level name",
				fmt.Sprintf("The %s value %q points at %q, which is taken as a fully-qualified name (the top-level "+
					"name %s.), not as a name inside the zone: a value without a trailing dot is never made relative to "+
					"the zone. If you meant the host in the zone, write %q.", t, v.ValueString(), target,
					strings.TrimSuffix(target, "."), strings.TrimSuffix(target, ".")+"."+zoneName+"."))
		}
	}
	if valid {
		if err := dns.CheckRRset(rr); err != nil {
			diags.AddAttributeError(recordsPath, "Record too large for DNS", err.Error())
		}
	}
}

// singleLabelTarget returns the host name a CNAME, DNAME, NS, PTR, ALIAS, MX
// or SRV value points at when it has a single label ("www"), which is
// almost always a name meant relative to the zone. The root (".", a null MX
// or "no service" SRV) is fine.
func singleLabelTarget(rrtype, content string) (string, bool) {
	f := strings.Fields(content)
	var target string
	switch dns.CanonicalType(rrtype) {
	case "CNAME", "DNAME", "NS", "PTR", "ALIAS", "ANAME":
		if len(f) != 1 {
			return "", false
		}
		target = f[0]
	case "MX":
		if len(f) != 2 {
			return "", false
		}
		target = f[1]
	case "SRV":
		if len(f) != 4 {
			return "", false
		}
		target = f[3]
	default:
		return "", false
	}
	bare := strings.TrimSuffix(target, ".")
	if bare == "" || strings.Contains(bare, ".") {
		return "", false
	}
	return target, true
}

// namedStore is one backend's zone store.
type namedStore struct {
	name  string
	store *zoneStore
}

// stores returns the zone stores of the backends in the set, in a fixed order.
func (r *dnsRecordResource) stores(ctx context.Context, diags *diag.Diagnostics, backends types.Set) []namedStore {
	if r.data == nil {
		diags.AddError("Provider not configured", "The provider was not configured before the resource was used. This is a bug in the provider.")
		return nil
	}
	var names []string
	diags.Append(backends.ElementsAs(ctx, &names, false)...)
	if backends.IsNull() || backends.IsUnknown() {
		names = []string{"powerdns"}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(names))) // powerdns first
	var out []namedStore
	for _, n := range names {
		var s *zoneStore
		var err error
		switch n {
		case "powerdns":
			_, s, err = r.data.powerDNS()
		case "cloudflare":
			s, err = r.data.cloudflareStore()
		default:
			err = fmt.Errorf("unknown backend %q", n)
		}
		if err != nil {
			diags.AddAttributeError(path.Root("backends"), "DNS backend unavailable", err.Error())
			return nil
		}
		out = append(out, namedStore{name: n, store: s})
	}
	return out
}

// zoneMissing reports a read error that means the zone does not exist.
func zoneMissing(err error) bool {
	return errors.Is(err, powerdns.ErrNotFound) || errors.Is(err, cloudflare.ErrNotFound)
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

func importHint(resourceType, id string) string {
	return fmt.Sprintf("To manage it with this configuration, import it instead of creating it:\n\n"+
		"  terraform import %s.<name> %s\n\nor add an import block:\n\n"+
		"  import {\n    to = %s.<name>\n    id = %q\n  }", resourceType, shellQuote(id), resourceType, id)
}

// shellQuote quotes s for a POSIX shell when it holds anything but safe characters.
func shellQuote(s string) string {
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// zoneReadError turns a failed zone read into a diagnostic that says which
// zone and what to do.
func zoneReadError(diags *diag.Diagnostics, backend, zone string, err error) {
	if zoneMissing(err) {
		diags.AddError("Zone not found",
			fmt.Sprintf("%s has no zone %q. Create it first (praho_dns_zone, pdnsutil create-zone, or the Cloudflare dashboard) "+
				"and check the provider's settings (powerdns.server_id, the Cloudflare token's account).", backend, dns.CanonicalName(zone)))
		return
	}
	diags.AddError(fmt.Sprintf("Cannot read zone %s on %s", dns.CanonicalName(zone), backend), err.Error())
}

func (r *dnsRecordResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan dnsRecordModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	stores := r.stores(ctx, &resp.Diagnostics, plan.Backends)
	if resp.Diagnostics.HasError() {
		return
	}
	zone := plan.Zone.ValueString()
	desired := plan.desiredRRset(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id := recordID(zone, plan.Name.ValueString(), plan.Type.ValueString())
	r.noteProxied(&plan)
	for _, ns := range stores {
		current, err := ns.store.RRsets(ctx, zone)
		if err != nil {
			zoneReadError(&resp.Diagnostics, ns.name, zone, err)
			return
		}
		if ex, ok := current[desired.Key()]; ok {
			resp.Diagnostics.AddError("RRset already exists",
				fmt.Sprintf("%s %s already exists in zone %s on %s (%s) and this configuration does not manage it; "+
					"the provider never takes over an RRset it did not create.\n\n%s",
					desired.Name, desired.Type, dns.CanonicalName(zone), ns.name, describeRecords(ex), importHint("praho_dns_record", id)))
			return
		}
	}
	for i, ns := range stores {
		if err := ns.store.Apply(ctx, zone, dns.Change{Op: dns.Create, Desired: &desired}); err != nil {
			applyError(&resp.Diagnostics, "praho_dns_record", id, desired, fmt.Errorf("%s: %w", ns.name, err))
			// Undo the backends already written, so nothing is left unmanaged.
			for _, done := range stores[:i] {
				if uerr := done.store.Apply(ctx, zone, dns.Change{Op: dns.Delete, Current: &desired}); uerr != nil {
					resp.Diagnostics.AddError("Cannot undo the RRset on "+done.name,
						fmt.Sprintf("%s %s was created on %s but not on %s, and deleting it again failed: %v. Delete it by hand.",
							desired.Name, desired.Type, done.name, ns.name, uerr))
				}
			}
			return
		}
	}
	plan.ID = types.StringValue(id)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// applyError explains a failed RRset write.
func applyError(diags *diag.Diagnostics, resourceType, id string, rr dns.RRset, err error) {
	var conflict *dns.ConflictError
	if errors.As(err, &conflict) {
		diags.AddError("RRset already exists",
			fmt.Sprintf("%s %s appeared in zone %s while this apply ran (%s); it was left as it is.\n\n%s",
				rr.Name, rr.Type, conflict.Zone, describeRecords(conflict.Existing), importHint(resourceType, id)))
		return
	}
	if errors.Is(err, powerdns.ErrUnprocessable) {
		diags.AddError("PowerDNS rejected the RRset", fmt.Sprintf("%s %s: %v\nNothing was changed (the PATCH is atomic).", rr.Name, rr.Type, err))
		return
	}
	diags.AddError("Cannot write RRset "+rr.Name+" "+rr.Type, err.Error())
}

func describeRecords(rr dns.RRset) string {
	vals := make([]string, 0, len(rr.Records))
	for _, r := range rr.Records {
		vals = append(vals, r.Content)
	}
	return fmt.Sprintf("TTL %d, %s", rr.TTL, strings.Join(vals, ", "))
}

func (r *dnsRecordResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state dnsRecordModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	stores := r.stores(ctx, &resp.Diagnostics, state.Backends)
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
	for _, ns := range stores {
		current, err := ns.store.RRsets(ctx, zone)
		if err != nil && !zoneMissing(err) {
			zoneReadError(&resp.Diagnostics, ns.name, zone, err)
			return
		}
		rr, ok := current[key]
		if !ok {
			missing++
			continue
		}
		found++
		if view == nil || (dns.EqualRRsets(*view, want) && !dns.EqualRRsets(rr, want)) {
			rr := rr
			view = &rr
		}
	}
	if found == 0 {
		// Gone everywhere (or the zone is gone): the next apply creates it.
		resp.State.RemoveResource(ctx)
		return
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

// recordsValue renders rr's values for state, keeping the spelling of prior
// (the configuration's) for every value that means the same, so that TXT
// quoting or a name's case never shows as a change.
func recordsValue(ctx context.Context, prior types.Set, rr dns.RRset) (types.Set, diag.Diagnostics) {
	var diags diag.Diagnostics
	spelled := map[string]string{}
	if !prior.IsNull() && !prior.IsUnknown() {
		var vals []string
		diags.Append(prior.ElementsAs(ctx, &vals, false)...)
		for _, v := range vals {
			spelled[dns.ContentKey(rr.Type, v)] = v
		}
	}
	out := make([]string, 0, len(rr.Records))
	for _, rec := range rr.Records {
		if v, ok := spelled[dns.ContentKey(rr.Type, rec.Content)]; ok {
			out = append(out, v)
		} else {
			out = append(out, rec.Content)
		}
	}
	sort.Strings(out)
	set, d := types.SetValueFrom(ctx, types.StringType, out)
	diags.Append(d...)
	return set, diags
}

func (r *dnsRecordResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state dnsRecordModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.noteProxied(&plan)
	proxiedChanged := !plan.Proxied.Equal(state.Proxied)
	stores := r.stores(ctx, &resp.Diagnostics, plan.Backends)
	if resp.Diagnostics.HasError() {
		return
	}
	desired := plan.desiredRRset(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	zone := plan.Zone.ValueString()
	id := recordID(zone, plan.Name.ValueString(), plan.Type.ValueString())
	for _, ns := range stores {
		current, err := ns.store.RRsets(ctx, zone)
		if err != nil {
			zoneReadError(&resp.Diagnostics, ns.name, zone, err)
			return
		}
		cur, ok := current[desired.Key()]
		var ch dns.Change
		switch {
		case !ok:
			ch = dns.Change{Op: dns.Create, Desired: &desired} // deleted on this backend by hand
		case dns.EqualRRsets(cur, desired) && !(proxiedChanged && ns.name == "cloudflare"):
			continue
		default:
			ch = dns.Change{Op: dns.Update, Desired: &desired, Current: &cur}
		}
		if err := ns.store.Apply(ctx, zone, ch); err != nil {
			applyError(&resp.Diagnostics, "praho_dns_record", id, desired, fmt.Errorf("%s: %w", ns.name, err))
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
	stores := r.stores(ctx, &resp.Diagnostics, state.Backends)
	r.noteProxied(&state)
	current := state.desiredRRset(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	for _, ns := range stores {
		err := ns.store.Apply(ctx, state.Zone.ValueString(), dns.Change{Op: dns.Delete, Current: &current})
		if err != nil && !zoneMissing(err) {
			resp.Diagnostics.AddError(fmt.Sprintf("Cannot delete RRset %s %s on %s", current.Name, current.Type, ns.name), err.Error())
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
	backends := []string{"powerdns"}
	if len(parts) == 4 {
		backends = strings.Split(parts[3], ",")
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
	// Cloudflare's proxy flag is not read back: imported as off.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("proxied"), false)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("zone"), zone)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("type"), rrtype)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), recordID(zone, name, rrtype))...)
}
