package provider

// What lives inside a hosting account (mailboxes, databases, sub-servers,
// aliases, certificates, PHP settings, backups) follows the account when it
// moves to another server: the account's move copies it there (moves.go),
// and the object's own `server`, which references the account's, changes in
// the same apply. That change is an update in place, never a replacement:
// the update checks that the object arrived with its account and carries on
// against the new server. The values that hold the server (ids) are unknown
// in such a plan, the others keep what the state says.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// domainEndpoints maps domains (lower-case ASCII) to server endpoints, for
// what one resource of the run tells the others: where it saw an account
// (providerData.accounts), where the plan moves one (providerData.moves).
type domainEndpoints struct {
	mu sync.Mutex
	m  map[string]string
}

// set records that domain is (or goes) on endpoint.
func (h *domainEndpoints) set(domain, endpoint string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = map[string]string{}
	}
	h.m[strings.ToLower(domain)] = endpoint
}

// get returns the endpoint of domain, or "".
func (h *domainEndpoints) get(domain string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.m[strings.ToLower(domain)]
}

// followed is the server and domain of an object that lives in an account,
// as planned or as in state.
type followed struct{ server, domain types.String }

// planFollow fails the plan of an object whose server changes while the
// domains it lives in (its domain: the account's, or a sub-server's or
// alias's own; and its parent's, if any) neither move to the new server in
// this plan nor are there already: the update would not find it there
// (followedAccount), so the plan says so instead of the apply. When the
// object follows, its domain is recorded as moving, for what lives in it in
// turn. A new domain replaces the object rather than moving it; a new server
// unknown at plan time, or one that cannot be read now, is left to the apply.
func (d *providerData) planFollow(ctx context.Context, diags *diag.Diagnostics, plan, state followed, what, object string, parents ...string) {
	planServer, stateServer := plan.server, state.server
	if d == nil || planServer.IsUnknown() || planServer.IsNull() || stateServer.IsUnknown() || stateServer.IsNull() ||
		plan.domain.IsUnknown() || !sameDomain(plan.domain.ValueString(), state.domain.ValueString()) {
		return
	}
	domains := []string{plan.domain.ValueString()}
	for _, p := range parents {
		if p != "" {
			domains = append(domains, p)
		}
	}
	port := d.cfg.Virtualmin.Port
	to, err := normalizeEndpoint(planServer.ValueString(), port)
	if err != nil {
		return
	}
	if from, err := normalizeEndpoint(stateServer.ValueString(), port); err != nil || from == to {
		return
	}
	ascii := make([]string, 0, len(domains))
	for _, dom := range domains {
		a, err := virtualmin.ValidateDomainName(dom)
		if err != nil {
			return // reported by the domain's own validation
		}
		ascii = append(ascii, a)
	}
	for _, a := range ascii {
		if d.moves.get(a) == to {
			d.moves.set(ascii[0], to)
			return
		}
	}
	srv, err := d.virtualminServer(to)
	if err != nil {
		return
	}
	all, err := srv.domains.Get(ctx)
	if err != nil {
		return
	}
	for _, a := range ascii {
		if _, ok := all[a]; ok {
			d.moves.set(ascii[0], to)
			return
		}
	}
	diags.AddAttributeError(path.Root("server"), "The "+what+" cannot move alone",
		fmt.Sprintf("Server: %s (was %s)\n%s\nThe %s lives in %s, which is not on %s and which this plan does not move "+
			"there. A %s follows its account: set its server from the account's (praho_hosting_account.<name>.server) and "+
			"change the account's server; the account's move copies the %s along. Or set server back to %s.",
			to, stateServer.ValueString(), object, what, ascii[0], to, what, what, stateServer.ValueString()))
}

// followServerDoc is what a child's server attribute says about a change.
func followServerDoc(what string) string {
	return "Changing it follows the account to its new server, in place: set it from the account " +
		"(`praho_hosting_account.<name>.server`), whose move copies the " + what + " along; the update then finds it there. " +
		"A plan that changes it while the account neither moves there in the same plan nor is there already fails."
}

// serverChanges reports whether the plan moves the object to another
// server: the planned server is known and means another one than the state's.
func serverChanges(ctx context.Context, same func(a, b string) bool, plan, state interface {
	GetAttribute(context.Context, path.Path, any) diag.Diagnostics
}) bool {
	var ps, ss types.String
	if d := plan.GetAttribute(ctx, path.Root("server"), &ps); d.HasError() {
		return false
	}
	if d := state.GetAttribute(ctx, path.Root("server"), &ss); d.HasError() {
		return false
	}
	return !ps.IsUnknown() && !ss.IsNull() && !same(ps.ValueString(), ss.ValueString())
}

// keepUnlessServerChanges is UseStateForUnknown for a computed value that
// holds the server (an id) or that the server decides: the state's value
// while the object stays, unknown when it follows its account elsewhere.
type keepUnlessServerChanges struct{ same func(a, b string) bool }

func (m keepUnlessServerChanges) Description(context.Context) string {
	return "Keeps the value in state unless the server changes."
}
func (m keepUnlessServerChanges) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (m keepUnlessServerChanges) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.StateValue.IsNull() || !req.PlanValue.IsUnknown() || req.ConfigValue.IsUnknown() {
		return
	}
	if serverChanges(ctx, m.same, req.Plan, req.State) {
		return
	}
	resp.PlanValue = req.StateValue
}

// followedAccount is the first step of the update of an object whose server
// changed: found and err are the object's look-up on the new server (a
// not-found error counts as not found). It reports whether the object is
// there; if not, it says why in diags.
func followedAccount(diags *diag.Diagnostics, srv *vmServer, from, what, object string, found bool, err error) bool {
	if err != nil && !errors.Is(err, virtualmin.ErrNotFound) {
		vmError(diags, srv, "Cannot find the "+what+" on its new server", object, err, "")
		return false
	}
	if found && err == nil {
		return true
	}
	diags.AddAttributeError(path.Root("server"), "The "+what+" is not on its new server",
		fmt.Sprintf("Server: %s (was %s)\n%s\nThe %s is not on %s. A %s follows its account: it arrives when the account "+
			"moves (its praho_hosting_account's server changes, and this resource's server references it). Moving the %s "+
			"alone to another server is not possible; set server back to %s, or move the account.",
			srv.endpoint, from, object, what, srv.endpoint, what, what, from))
	return false
}
