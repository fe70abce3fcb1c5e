package provider

// Helpers shared by the resources that act on a Virtualmin account: they
// resolve the server and domain a resource targets, and parse import IDs.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// withOpTimeout bounds ctx by the operation's timeout: get is a method of
// the model's timeouts value (plan.Timeouts.Create, state.Timeouts.Delete,
// ...), def the default when none is configured. Its diagnostics go to diags.
func withOpTimeout(ctx context.Context, diags *diag.Diagnostics,
	get func(context.Context, time.Duration) (time.Duration, diag.Diagnostics), def time.Duration,
) (context.Context, context.CancelFunc) {
	timeout, d := get(ctx, def)
	diags.Append(d...)
	return context.WithTimeout(ctx, timeout)
}

// accountTarget resolves the shared client of the server at endpoint and the
// ASCII form of domain. It returns ok false when diags holds an error
// afterwards, including one added before the call (say by syncManagedServer):
// provider not configured, server unavailable (on the server attribute), or an
// invalid domain (on the domain attribute, with the summary invalid: "Invalid
// domain" for a plan, "Invalid domain in state" for state).
func accountTarget(data *providerData, diags *diag.Diagnostics, endpoint, domain, invalid string) (srv *vmServer, ascii string, ok bool) {
	if data == nil {
		diags.AddError("Provider not configured", "The provider was not configured before the resource was used. This is a bug in the provider.")
		return nil, "", false
	}
	srv, err := data.virtualminServer(endpoint)
	if err != nil {
		diags.AddAttributeError(path.Root("server"), "Virtualmin server unavailable", err.Error())
		return nil, "", false
	}
	if diags.HasError() {
		return nil, "", false
	}
	ascii, err = virtualmin.ValidateDomainName(domain)
	if err != nil {
		diags.AddAttributeError(path.Root("domain"), invalid, err.Error())
		return nil, "", false
	}
	return srv, ascii, true
}

// serverDomainID is the ID of an object named by its server and domain (an
// account, a sub-server, an alias, their PHP settings and certificate):
// "<server>/<domain>", which importServerDomain parses.
func serverDomainID(endpoint, asciiDomain string) string { return endpoint + "/" + asciiDomain }

// plannedTarget is the endpoint and ASCII domain a plan names, when both
// are known and valid (in the form IDs use).
func (d *providerData) plannedTarget(server, domain types.String) (endpoint, ascii string, ok bool) {
	if d == nil || server.IsUnknown() || server.IsNull() || domain.IsUnknown() || domain.IsNull() {
		return "", "", false
	}
	endpoint, err := normalizeEndpoint(server.ValueString(), d.cfg.Virtualmin.Port)
	if err != nil {
		return "", "", false
	}
	ascii, err = virtualmin.ValidateDomainName(domain.ValueString())
	return endpoint, ascii, err == nil
}

// domainObject is the line that names a domain in a diagnostic.
func domainObject(asciiDomain string) string { return "Domain: " + asciiDomain }

// importServerDomain parses a "<server>/<domain>" import ID (the server may
// hold a port, the domain is the part after the last "/") and sets the server
// and domain attributes. It returns false after adding an "Invalid import ID"
// error.
func importServerDomain(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) bool {
	i := strings.LastIndex(req.ID, "/")
	if i <= 0 || i == len(req.ID)-1 {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("%q: want <server>/<domain>, for example vm1.example.ro:10000/example.ro.", req.ID))
		return false
	}
	server, domain := req.ID[:i], req.ID[i+1:]
	if _, err := normalizeEndpoint(server, defaultVirtualminPort); err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return false
	}
	if _, err := virtualmin.ValidateDomainName(domain); err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return false
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("server"), server)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("domain"), domain)...)
	return true
}
