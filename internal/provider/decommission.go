package provider

// Refusing to destroy a praho_virtualmin_server that still hosts accounts of
// the configuration, at plan time.
//
// What the provider can know when it plans: the state of the resource being
// planned, its configuration, and what the resources planned before it in the
// same process told the providerData. Terraform orders the plan of an account
// after its server only when the account references the server in its
// configuration, and a server removed from the configuration is planned in
// no particular order with the accounts on it. So both sides record and both
// check, under one lock: the server's destroy plan refuses when accounts that
// stay were planned before it, listing them, and an account that stays on a
// server whose destroy was planned before it refuses by itself. Whichever
// comes second sees the first. An account that is destroyed in the same run
// (a full destroy) records nothing: Terraform destroys it before its server.

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// decommissions is what one plan knows of servers being destroyed and of the
// accounts that stay on servers.
type decommissions struct {
	mu sync.Mutex
	// leaving are the endpoints of praho_virtualmin_server resources
	// planned for destruction.
	leaving map[string]bool
	// staying are, per endpoint, the accounts planned to stay on it or to
	// move off it in this run (domain → what happens).
	staying map[string]map[string]string
}

// serverLeaving records that the server at endpoint is planned for
// destruction and returns the accounts that stay on it ("domain (what)"),
// sorted.
func (d *decommissions) serverLeaving(endpoint string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.leaving == nil {
		d.leaving = map[string]bool{}
	}
	d.leaving[endpoint] = true
	var out []string
	for _, dom := range slices.Sorted(maps.Keys(d.staying[endpoint])) {
		out = append(out, dom+" ("+d.staying[endpoint][dom]+")")
	}
	return out
}

// accountStays records that the account domain stays on, or moves off, each
// of endpoints (what says which) and returns those of them whose server is
// planned for destruction.
func (d *decommissions) accountStays(domain string, what map[string]string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.staying == nil {
		d.staying = map[string]map[string]string{}
	}
	var gone []string
	for _, ep := range slices.Sorted(maps.Keys(what)) {
		if d.staying[ep] == nil {
			d.staying[ep] = map[string]string{}
		}
		d.staying[ep][domain] = what[ep]
		if d.leaving[ep] {
			gone = append(gone, ep)
		}
	}
	return gone
}

// decommissionRefusal is the error of a server destroyed while accounts stay.
func decommissionRefusal(endpoint string, accounts []string) (summary, detail string) {
	return "Server still hosts accounts of this configuration",
		fmt.Sprintf("Server: %s\nThis plan destroys the praho_virtualmin_server of %s, which still hosts accounts that this "+
			"configuration manages and keeps:\n  %s\n\nMove them to other servers first (change their server, or set "+
			"draining = true in the server's entry of a praho_placement and apply until the plan is empty), or destroy them "+
			"in the same run; then destroy the server.", endpoint, endpoint, strings.Join(accounts, "\n  "))
}

// recordAccountServers records where the account planned stays (its server
// in state, and the planned one) and refuses the plan when one of them is a
// praho_virtualmin_server planned for destruction. state is nil for a new
// account.
func (r *hostingAccountResource) recordAccountServers(plan, state *hostingAccountModel, diags *diag.Diagnostics) {
	if r.data == nil {
		return
	}
	port := r.data.cfg.Virtualmin.Port
	what := map[string]string{}
	to, toErr := normalizeEndpoint(plan.Server.ValueString(), port)
	known := !plan.Server.IsUnknown() && toErr == nil
	if known {
		what[to] = "stays"
	}
	if state != nil {
		if from, err := normalizeEndpoint(state.Server.ValueString(), port); err == nil && (!known || from != to) {
			what[from] = "moves off it in this run"
			if known {
				what[from] = "moves to " + to + " in this run"
			}
		}
	}
	domain := plan.Domain.ValueString()
	if ascii, err := virtualmin.ValidateDomainName(domain); err == nil {
		domain = ascii
	}
	for _, ep := range r.data.decommissions.accountStays(domain, what) {
		summary, detail := decommissionRefusal(ep, []string{domain + " (" + what[ep] + ")"})
		diags.AddAttributeError(path.Root("server"), summary, detail)
	}
}
