package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/praho/terraform-provider-praho/sdk/dns"
)

// updateOn brings the zone on one backend to the plan: its settings, then
// every RRset change in one Apply (one atomic PATCH on PowerDNS). It returns
// the zone as read before the RRset changes.
func (r *dnsZoneResource) updateOn(ctx context.Context, diags *diag.Diagnostics, b *dnsBackend, plan, state *dnsZoneModel) *dns.Zone {
	zone := plan.zoneName()
	defer b.store.Invalidate(zone)
	var changed dns.ZoneSettings
	if !plan.Kind.Equal(state.Kind) {
		changed.Kind = plan.Kind.ValueString()
	}
	if !plan.SOAEditAPI.Equal(state.SOAEditAPI) {
		changed.SOAEditAPI = plan.SOAEditAPI.ValueString()
	}
	if changed != (dns.ZoneSettings{}) {
		if err := b.zones.UpdateZone(ctx, zone, changed); err != nil {
			diags.AddError("Cannot change zone "+zone+" on "+b.name, dnsErrorDetail(err))
			return nil
		}
	}
	cur, err := b.zones.Zone(ctx, zone)
	if err != nil {
		diags.AddError("Cannot read zone "+zone+" on "+b.name, dnsErrorDetail(err))
		return nil
	}
	desired := plan.desired(ctx, diags)
	managed := state.managedKeys(ctx, diags)
	if !cur.AssignedNameServers {
		// The apex NS RRset follows nameservers, keeping its TTL.
		nsTTL := uint32(defaultTTL)
		for _, rr := range cur.RRsets {
			if rr.Name == zone && rr.Type == "NS" {
				nsTTL = rr.TTL
			}
		}
		desired = append(desired, plan.nameserversRRset(ctx, diags, nsTTL))
		managed = append(managed, dns.Key{Name: zone, Type: "NS"})
	}
	if diags.HasError() {
		return nil
	}
	p, err := dns.Diff(desired, cur.RRsets, dns.DiffOptions{Zone: zone, Exclusive: plan.Exclusive.ValueBool(), Ownership: dns.RefuseUnmanaged, Managed: managed})
	conflicts := p.Conflicts
	if err != nil {
		if !errors.Is(err, dns.ErrConflict) {
			diags.AddError("Cannot compute the changes of zone "+zone+" on "+b.name, err.Error())
			return nil
		}
		conflicts = collectConflicts(err)
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
				"To manage them in records, import the zone again, which takes every RRset into state (ADDRESS is this "+
				"resource's address, from the \"with\" line of this error):\n\n"+
				"  terraform state rm ADDRESS\n  terraform import ADDRESS %s\n\n"+
				"or delete them from the zone first.", zone, b.name, strings.Join(lines, "\n"), zoneID(zone)))
		return nil
	}
	changes := p.Changes
	if !plan.Exclusive.ValueBool() {
		changes = append(changes, droppedRRsets(desired, cur.RRsets, managed)...)
		dns.SortChanges(changes)
	}
	if len(changes) > 0 {
		if err := b.zones.Apply(ctx, zone, changes); err != nil {
			diags.AddError("Cannot change the RRsets of zone "+zone+" on "+b.name,
				fmt.Sprintf("%s\nThe %d changes were sent together (one atomic PATCH on PowerDNS, batches on Cloudflare).", dnsErrorDetail(err), len(changes)))
			return nil
		}
	}
	return cur
}

// droppedRRsets are the deletes of the managed RRsets that are no longer
// desired; without exclusive, Diff leaves every RRset it is not given alone.
func droppedRRsets(desired, actual []dns.RRset, managed []dns.Key) []dns.Change {
	want := map[dns.Key]bool{}
	for _, rr := range desired {
		want[rr.Key()] = true
	}
	have := map[dns.Key]dns.RRset{}
	for _, rr := range actual {
		have[rr.Key()] = rr
	}
	var out []dns.Change
	for _, k := range managed {
		if cur, ok := have[k]; ok && !want[k] {
			out = append(out, dns.Change{Op: dns.Delete, Current: &cur})
		}
	}
	return out
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
