package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/praho/terraform-provider-praho/sdk/dns"
)

// checkDNSName checks a zone name (zone true) or an owner name: labels of
// letters, digits, hyphens and underscores (IDN allowed), a leading "*"
// label for wildcards, "@" for the apex.
func checkDNSName(s string, zone bool) error {
	if !zone && s == "@" {
		return nil
	}
	c := dns.CanonicalName(strings.TrimSpace(s))
	if c == "" || c == "." {
		return fmt.Errorf("%q is not a DNS name", s)
	}
	if err := dns.CheckName(s); err != nil {
		return err
	}
	labels := strings.Split(strings.TrimSuffix(c, "."), ".")
	for i, l := range labels {
		if l == "*" && i == 0 && !zone {
			continue
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return fmt.Errorf("%q: label %q may hold only letters, digits, '-' and '_' (and '*' as a whole first label)", s, l)
			}
		}
		if zone && (l[0] == '-' || l[len(l)-1] == '-') {
			return fmt.Errorf("%q: label %q starts or ends with a hyphen", s, l)
		}
	}
	return nil
}

type dnsNameValidator struct{ zone bool }

func (v dnsNameValidator) Description(context.Context) string {
	if v.zone {
		return "must be a zone name such as example.ro"
	}
	return "must be a DNS owner name: @, a name relative to the zone, or an absolute name"
}
func (v dnsNameValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (v dnsNameValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := checkDNSName(req.ConfigValue.ValueString(), v.zone); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid DNS name", err.Error())
	}
}

// requiresReplaceUnlessSameName replaces the RRset when the zone or name
// attribute (at the root of the resource) changes what it means: "www",
// "WWW" and "www.example.ro." in zone example.ro are the same RRset and only
// update the state's spelling.
func requiresReplaceUnlessSameName() planmodifier.String {
	return stringplanmodifier.RequiresReplaceIf(func(ctx context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
		var pz, pn, sz, sn types.String
		resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("zone"), &pz)...)
		resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("name"), &pn)...)
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("zone"), &sz)...)
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("name"), &sn)...)
		if resp.Diagnostics.HasError() {
			return
		}
		if pz.IsUnknown() || pn.IsUnknown() {
			resp.RequiresReplace = true
			return
		}
		resp.RequiresReplace = dns.CanonicalName(pz.ValueString()) != dns.CanonicalName(sz.ValueString()) ||
			dns.AbsoluteName(pn.ValueString(), pz.ValueString()) != dns.AbsoluteName(sn.ValueString(), sz.ValueString())
	},
		"Replaces the RRset when the zone or the owner name changes meaning.",
		"Replaces the RRset when the zone or the owner name changes meaning.")
}
