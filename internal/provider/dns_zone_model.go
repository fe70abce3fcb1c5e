package provider

// The state of praho_dns_zone and how it maps to the zone model of sdk/dns:
// records keyed by "<name>/<TYPE>", the RRsets a plan asks for, and the
// state filled from what the backends hold.

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/praho/terraform-provider-praho/sdk/dns"
)

type dnsZoneModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Kind        types.String `tfsdk:"kind"`
	Nameservers types.Set    `tfsdk:"nameservers"`
	SOAEditAPI  types.String `tfsdk:"soa_edit_api"`
	Exclusive   types.Bool   `tfsdk:"exclusive"`
	Records     types.Map    `tfsdk:"records"`

	Backends              types.Set      `tfsdk:"backends"`
	CloudflareAccountID   types.String   `tfsdk:"cloudflare_account_id"`
	CloudflareZoneID      types.String   `tfsdk:"cloudflare_zone_id"`
	CloudflareNameServers types.List     `tfsdk:"cloudflare_name_servers"`
	Timeouts              timeouts.Value `tfsdk:"timeouts"`
}

// zoneRRsetType is the element type of records.
var zoneRRsetType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"ttl":     types.Int64Type,
	"records": types.SetType{ElemType: types.StringType},
}}

// zoneRRset is one RRset of records, keyed by "<name>/<TYPE>". TTL null
// means the default (3600).
type zoneRRset struct {
	TTL     types.Int64 `tfsdk:"ttl"`
	Records types.Set   `tfsdk:"records"`
}

const defaultTTL = 3600

// zoneName is the model's zone name, canonical.
func (m *dnsZoneModel) zoneName() string { return dns.CanonicalName(m.Name.ValueString()) }

// zoneID is the zone's ID and import ID: its name without the trailing dot.
func zoneID(name string) string { return strings.TrimSuffix(dns.CanonicalName(name), ".") }

// settings are the zone's settings in the model of sdk/dns.
func (m *dnsZoneModel) settings() dns.ZoneSettings {
	return dns.ZoneSettings{Kind: m.Kind.ValueString(), SOAEditAPI: m.SOAEditAPI.ValueString(), Account: m.CloudflareAccountID.ValueString()}
}

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

// parseRRsetKey splits a records key "<name>/<TYPE>".
func parseRRsetKey(k string) (name, rrtype string, err error) {
	i := strings.LastIndex(k, "/")
	if i <= 0 || i == len(k)-1 {
		return "", "", fmt.Errorf("%q: want <name>/<TYPE>, such as \"www/A\" or \"@/MX\"", k)
	}
	return k[:i], k[i+1:], nil
}

// managedKeys are the RRsets the model's records hold.
func (m *dnsZoneModel) managedKeys(ctx context.Context, diags *diag.Diagnostics) []dns.Key {
	zone := m.zoneName()
	var out []dns.Key
	for key := range m.records(ctx, diags) {
		if name, rrtype, err := parseRRsetKey(key); err == nil {
			out = append(out, dns.Key{Name: dns.AbsoluteName(name, zone), Type: dns.CanonicalType(rrtype)})
		}
	}
	return out
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

// nameserversRRset is the apex NS RRset the model asks for, with ttl.
func (m *dnsZoneModel) nameserversRRset(ctx context.Context, diags *diag.Diagnostics, ttl uint32) dns.RRset {
	var ns []string
	diags.Append(m.Nameservers.ElementsAs(ctx, &ns, false)...)
	rr := dns.RRset{Name: m.zoneName(), Type: "NS", TTL: ttl}
	for _, n := range ns {
		rr.Records = append(rr.Records, dns.Record{Content: dns.CanonicalName(n)})
	}
	return rr
}

// desired returns the RRsets of records, canonical.
func (m *dnsZoneModel) desired(ctx context.Context, diags *diag.Diagnostics) []dns.RRset {
	zone := m.zoneName()
	var out []dns.RRset
	for key, e := range m.records(ctx, diags) {
		name, rrtype, err := parseRRsetKey(key)
		if err != nil {
			diags.AddAttributeError(path.Root("records").AtMapKey(key), "Invalid RRset key", err.Error())
			continue
		}
		rr := dns.RRset{Name: dns.AbsoluteName(name, zone), Type: dns.CanonicalType(rrtype), TTL: defaultTTL}
		if !e.TTL.IsNull() {
			rr.TTL = uint32(e.TTL.ValueInt64())
		}
		var vals []string
		diags.Append(e.Records.ElementsAs(ctx, &vals, false)...)
		for _, v := range vals {
			rr.Records = append(rr.Records, dns.Record{Content: v})
		}
		c, err := dns.CanonicalRRset(rr)
		if err != nil {
			diags.AddAttributeError(path.Root("records").AtMapKey(key), "Invalid record value", err.Error())
			continue
		}
		out = append(out, c)
	}
	return out
}

// zoneView is what one backend holds of the zone.
type zoneView struct {
	backend string
	zone    *dns.Zone
	rrsets  map[dns.Key]dns.RRset
}

func newZoneView(backend string, z *dns.Zone) zoneView {
	v := zoneView{backend: backend, zone: z, rrsets: make(map[dns.Key]dns.RRset, len(z.RRsets))}
	for _, rr := range z.RRsets {
		v.rrsets[rr.Key()] = rr
	}
	return v
}

// fill copies the zone as the backends hold it into m, keeping m's spelling of
// names and values where they mean the same. A backend that lost the zone
// leaves backends (so the plan adds it back); an RRset missing or different on
// one backend shows as a change. all takes every RRset into records (import).
func (m *dnsZoneModel) fill(ctx context.Context, diags *diag.Diagnostics, zone string, views []zoneView, all bool) {
	m.ID = types.StringValue(zoneID(zone))
	if m.Name.IsNull() || m.zoneName() != zone {
		m.Name = types.StringValue(zoneID(zone))
	}
	present := make([]string, 0, len(views))
	for _, v := range views {
		present = append(present, v.backend)
		if v.zone.Settings.Kind != "" {
			// A backend that keeps the zone's kind keeps SOA-EDIT-API too.
			m.Kind = types.StringValue(v.zone.Settings.Kind)
			m.SOAEditAPI = types.StringValue(v.zone.Settings.SOAEditAPI)
		}
		if !v.zone.AssignedNameServers {
			ns := dns.RRset{Type: "NS"}
			for _, n := range v.zone.NameServers {
				ns.Records = append(ns.Records, dns.Record{Content: n})
			}
			val, d := recordsValue(ctx, m.Nameservers, ns)
			diags.Append(d...)
			m.Nameservers = val
		}
	}
	bs, d := types.SetValueFrom(ctx, types.StringType, present)
	diags.Append(d...)
	m.Backends = bs
	m.setAssigned(ctx, diags, views)

	prior := m.records(ctx, diags)
	var out map[string]zoneRRset
	if prior != nil {
		out = make(map[string]zoneRRset, len(prior))
	}
	seen := map[dns.Key]bool{}
	changed := false
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
			if view == nil || (zoneElementMatches(ctx, diags, e, *view) && !zoneElementMatches(ctx, diags, e, rr)) {
				view = &rr
			}
		}
		if found == 0 {
			changed = true
			continue // deleted outside Terraform: the plan adds it back
		}
		if missing == 0 && zoneElementMatches(ctx, diags, e, *view) {
			out[key] = e // as in state, spelling included
			continue
		}
		changed = true
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
				changed = true
				if out == nil {
					out = map[string]zoneRRset{}
				}
				out[dns.RelativeName(k.Name, zone)+"/"+k.Type] = zoneElement(ctx, diags, zoneRRset{Records: types.SetNull(types.StringType)}, rr)
			}
		}
	}
	if changed {
		m.setRecords(ctx, diags, out)
	}
}

// sameAs reports whether m and o hold the same values (timeouts aside).
func (m *dnsZoneModel) sameAs(o *dnsZoneModel) bool {
	return m.ID.Equal(o.ID) && m.Name.Equal(o.Name) && m.Kind.Equal(o.Kind) && m.Nameservers.Equal(o.Nameservers) &&
		m.SOAEditAPI.Equal(o.SOAEditAPI) && m.Exclusive.Equal(o.Exclusive) && m.Records.Equal(o.Records) &&
		m.Backends.Equal(o.Backends) && m.CloudflareAccountID.Equal(o.CloudflareAccountID) &&
		m.CloudflareZoneID.Equal(o.CloudflareZoneID) && m.CloudflareNameServers.Equal(o.CloudflareNameServers)
}

// setAssigned fills the computed attributes of the backend that assigns the
// zone's name servers (Cloudflare): its zone ID, account and name servers,
// empty without it.
func (m *dnsZoneModel) setAssigned(ctx context.Context, diags *diag.Diagnostics, views []zoneView) {
	i := slices.IndexFunc(views, func(v zoneView) bool { return v.zone.AssignedNameServers })
	if i < 0 {
		m.CloudflareZoneID = types.StringValue("")
		m.CloudflareNameServers = types.ListValueMust(types.StringType, []attr.Value{})
		return
	}
	z := views[i].zone
	m.CloudflareZoneID = types.StringValue(z.ID)
	if z.Settings.Account != "" {
		m.CloudflareAccountID = types.StringValue(z.Settings.Account)
	}
	ns, d := types.ListValueFrom(ctx, types.StringType, append([]string{}, z.NameServers...))
	diags.Append(d...)
	m.CloudflareNameServers = ns
}

// zoneElementMatches reports whether rr is what element e asks for.
func zoneElementMatches(ctx context.Context, diags *diag.Diagnostics, e zoneRRset, rr dns.RRset) bool {
	ttl := uint32(defaultTTL)
	if !e.TTL.IsNull() {
		ttl = uint32(e.TTL.ValueInt64())
	}
	var vals []string
	diags.Append(e.Records.ElementsAs(ctx, &vals, false)...)
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
