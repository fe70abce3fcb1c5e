package provider

// Helpers shared by the resources that live inside a hosting account:
// praho_mailbox, praho_database, praho_domain_alias and praho_sub_server.

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// accountChild is embedded by the resources that belong to an account: it
// holds the provider data and resolves the shared client of a server.
type accountChild struct {
	data *providerData
}

func (c *accountChild) configure(req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	c.data = d
}

func (c *accountChild) sameEndpoint(a, b string) bool { return sameEndpoint(c.data, a, b) }

// serverAttribute is the `server` attribute of a child resource: it follows
// its account (follow.go).
func (c *accountChild) serverAttribute(what string) schema.StringAttribute {
	return schema.StringAttribute{
		Required: true,
		MarkdownDescription: "The Virtualmin server: `host` or `host:port` (the provider's `virtualmin.port` when left out). " +
			followServerDoc(what),
		Validators: []validator.String{endpointValidator{}},
	}
}

// idAttribute is the computed `id` of a child resource, which holds the
// server.
func (c *accountChild) idAttribute(doc string) schema.StringAttribute {
	return schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: doc,
		PlanModifiers:       []planmodifier.String{keepUnlessServerChanges{c.sameEndpoint}},
	}
}

// domainAttribute is a domain-valued attribute whose change replaces the object.
func domainAttribute(desc, replaceDesc string) schema.StringAttribute {
	return schema.StringAttribute{
		Required:            true,
		MarkdownDescription: desc,
		Validators:          []validator.String{domainNameValidator{}},
		PlanModifiers:       []planmodifier.String{requiresReplaceIfMeaningChanges(sameDomain, replaceDesc)},
	}
}

// lookupAccount returns the named domain from the server's shared listing
// (nil when it does not exist).
func lookupAccount(ctx context.Context, srv *vmServer, ascii string) (*virtualmin.Domain, error) {
	all, err := srv.domains.Get(ctx)
	if err != nil {
		return nil, err
	}
	d, ok := all[strings.ToLower(ascii)]
	if !ok {
		return nil, nil
	}
	return &d, nil
}

// removeWithParentGone drops a child object from state. When its parent
// (the account, target or parent server) is gone too, it says so in a
// warning: Virtualmin deletes an account's mailboxes, databases, aliases and
// sub-servers with it, so the plan shows them being created again instead of
// failing later.
func removeWithParentGone(ctx context.Context, resp *resource.ReadResponse, data *providerData, srv *vmServer, what, object, parentRole, parent string) {
	p, err := lookupAccount(ctx, srv, parent)
	if err == nil && p == nil && data != nil {
		if home := data.accounts.get(parent); home != "" && home != srv.endpoint {
			// The account moved (an apply stopped before this object
			// followed it): kept, for the plan to show it following.
			resp.Diagnostics.AddWarning(what+" moved with its "+parentRole,
				fmt.Sprintf("Server: %s\n%s\n\nThe %s %s is now on %s, and this %s went with it. It is kept in the state: "+
					"the plan updates its server to %s (set from the account's, praho_hosting_account.<name>.server).",
					srv.endpoint, object, parentRole, parent, home, strings.ToLower(what), home))
			return
		}
	}
	resp.State.RemoveResource(ctx)
	if err != nil || p != nil {
		return
	}
	resp.Diagnostics.AddWarning(fmt.Sprintf("%s removed with its %s", what, parentRole),
		fmt.Sprintf("Server: %s\n%s\n\nThe %s %s no longer exists on the server, and Virtualmin deleted this %s with it. "+
			"It was removed from the state: the plan creates it again once the %s exists. If the %s is managed in "+
			"this configuration, reference it (for example domain = praho_hosting_account.<name>.domain) so Terraform "+
			"creates it first and destroys it last.", srv.endpoint, object, parentRole, parent, strings.ToLower(what), parentRole, parentRole))
}

// splitImportID splits an import ID of n parts separated by "/".
func splitImportID(diags *diag.Diagnostics, id string, n int, want string) []string {
	parts := strings.Split(id, "/")
	ok := len(parts) == n
	for _, p := range parts {
		ok = ok && p != ""
	}
	if !ok {
		diags.AddError("Invalid import ID", fmt.Sprintf("%q: want %s.", id, want))
		return nil
	}
	if _, err := normalizeEndpoint(parts[0], defaultVirtualminPort); err != nil {
		diags.AddError("Invalid import ID", err.Error())
		return nil
	}
	if _, err := virtualmin.ValidateDomainName(parts[1]); err != nil {
		diags.AddError("Invalid import ID", err.Error())
		return nil
	}
	return parts
}

// forwardAddressRE is what forward_to accepts: one plain e-mail address.
var forwardAddressRE = regexp.MustCompile(`^[^@\s"',]+@[^@\s"',]+\.[^@\s"',]+$`)
