package provider

// Creates whose outcome is unknown. The SDK settles a create whose answer was
// lost by asking the server, within the create's timeout (see the SDK's
// lostCreate.settle). When that time runs out first, typically because
// Webmin stayed unreachable, nobody knows whether the object exists. Such a
// resource is never dropped: Create saves it in the state with its ID and a
// private-state mark, and fails, so Terraform marks it tainted, its rule for
// a create that failed after it may have made something. The next refresh
// settles it (Read, through settleCreate):
//
//   - found as this configuration asked: kept and unmarked. Being tainted,
//     the plan replaces it; `terraform untaint <address>` keeps it as it is.
//   - absent: removed from the state, and the plan creates it.
//   - found, but not as asked (someone else's object of that name): removed
//     from the state, never adopted; the create then reports it.
//
// No import is needed either way.

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// privateUnsettledCreate marks a resource whose create may or may not have
// made its object.
const privateUnsettledCreate = "praho_unsettled_create"

// keepUnsettledCreate reports a create whose outcome the server could not
// tell in time and marks the resource for the next refresh. The caller then
// saves the state with the object's ID.
func keepUnsettledCreate(ctx context.Context, diags *diag.Diagnostics, private privateSetter, srv *vmServer, what, object string, err error) {
	diags.Append(private.SetKey(ctx, privateUnsettledCreate, []byte(`true`))...)
	vmError(diags, srv, "Cannot tell whether the "+what+" was created", object, err, unsettledHint(what)+
		" If Webmin needs longer to come back, raise the create timeout (timeouts block).")
}

// keepUnsettledDNSCreate is keepUnsettledCreate for a DNS backend.
func keepUnsettledDNSCreate(ctx context.Context, diags *diag.Diagnostics, private privateSetter, backend, what, object string, err error) {
	diags.Append(private.SetKey(ctx, privateUnsettledCreate, []byte(`true`))...)
	diags.AddError("Cannot tell whether the "+what+" was created",
		fmt.Sprintf("Backend: %s\n%s\n%s\n\n%s", backend, object, dnsErrorDetail(err), unsettledHint(what)))
}

func unsettledHint(what string) string {
	return "The create was sent, and the server did not say what became of it within the create's timeout. The " + what +
		" is kept in the state, tainted, and the next plan reads it: if it exists as this configuration asks, the plan " +
		"replaces it (`terraform untaint` on this resource keeps it as it is instead); if it does not, the plan creates it. " +
		"No import is needed."
}

// createSettlement is what a refresh decided about a resource whose create
// had an unknown outcome.
type createSettlement int

const (
	// settledNothing: the resource was not marked (the usual case).
	settledNothing createSettlement = iota
	// settledKept: the object exists as asked; the mark was removed.
	settledKept
	// settledDropped: absent or someone else's; removed from the state.
	settledDropped
)

// settleCreate is called by Read once it has looked the object up: found
// says whether it exists, matches whether it is as the state asks (only
// meaningful when found). For a resource whose create had an unknown
// outcome it keeps or drops it (removing the mark, or the resource, and
// saying so); for any other resource it does nothing. When it returns
// settledDropped, Read must return at once.
// where is the line that names the server (or the DNS backends) in the
// messages: "Server: host:port".
func settleCreate(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse, where, what, object string, found, matches bool) createSettlement {
	raw, diags := req.Private.GetKey(ctx, privateUnsettledCreate)
	resp.Diagnostics.Append(diags...)
	if len(raw) == 0 {
		return settledNothing
	}
	switch {
	case !found:
		resp.State.RemoveResource(ctx)
		resp.Diagnostics.AddWarning("The "+what+" was not created",
			fmt.Sprintf("%s\n%s\nThe create whose outcome was unknown did not make it: it is removed from the state "+
				"and the plan creates it.", where, object))
		return settledDropped
	case !matches:
		resp.State.RemoveResource(ctx)
		resp.Diagnostics.AddWarning("Not the "+what+" this configuration asked for",
			fmt.Sprintf("%s\n%s\nThe create whose outcome was unknown did not make it: the object of that name on the "+
				"server is not as this configuration asks, so it is someone else's and is not adopted. It is removed from "+
				"the state; the next create reports it.", where, object))
		return settledDropped
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateUnsettledCreate, nil)...)
	resp.Diagnostics.AddWarning("The "+what+" was created",
		fmt.Sprintf("%s\n%s\nThe create whose outcome was unknown made it, as this configuration asks. It stays "+
			"in the state; Terraform tainted it when the create failed, so the plan replaces it unless you run "+
			"`terraform untaint` on this resource.", where, object))
	return settledKept
}
