package provider

// RRsets as the DNS resources take and show them: the types they manage,
// the checks of a configured RRset at plan time, how values are written
// back to state, and how a failed write is explained.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/praho/terraform-provider-praho/sdk/dns"
	"github.com/praho/terraform-provider-praho/sdk/powerdns"
)

// recordTypes are the RRset types the DNS resources manage. SOA belongs to
// the zone and is never managed as a record.
var recordTypes = []string{"A", "AAAA", "ALIAS", "CAA", "CNAME", "DNAME", "DS", "HTTPS", "LOC", "MX", "NAPTR", "NS", "PTR", "SPF", "SRV", "SSHFP", "SVCB", "TLSA", "TXT"}

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
	diags.AddError("Cannot write RRset "+rr.Name+" "+rr.Type, dnsErrorDetail(err))
}

func describeRecords(rr dns.RRset) string {
	vals := make([]string, 0, len(rr.Records))
	for _, r := range rr.Records {
		vals = append(vals, r.Content)
	}
	return fmt.Sprintf("TTL %d, %s", rr.TTL, strings.Join(vals, ", "))
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
