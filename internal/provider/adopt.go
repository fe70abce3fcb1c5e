package provider

// Objects that exist on the server but not in a resource's state. A create
// never takes such an object over silently; it fails and says which of the
// three usual causes applies and what to do about each:
//
//   - two resources of the configuration manage the same object: caught at
//     plan time (claimCreate), remove one of them;
//   - an apply was killed after its creates reached the server and before
//     Terraform saved the state: run the apply once with
//     virtualmin.adopt_existing (PRAHO_VIRTUALMIN_ADOPT_EXISTING=true), which
//     takes an object only when Virtualmin records it as created by this
//     provider's login on that server and its settings match the resource
//     (adoption);
//   - it was made outside this configuration: import it.

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// alreadyExists reports a create refused because the object exists on the
// server: what it is (a lower-case noun: "hosting account"), the line that
// names it, the resource type and its import ID, on the attribute that names
// it.
func alreadyExists(diags *diag.Diagnostics, attr path.Path, srv *vmServer, what, object, resourceType, id string) {
	diags.AddAttributeError(attr, strings.ToUpper(what[:1])+what[1:]+" already exists on the server",
		fmt.Sprintf("Server: %s\n%s\nThe %s exists on the server but not in this resource's state, and the provider never "+
			"takes an object over silently.\n\n"+
			"If an earlier apply of this configuration created it and was interrupted before it saved the state, run the "+
			"apply once more with PRAHO_VIRTUALMIN_ADOPT_EXISTING=true (or virtualmin.adopt_existing = true): the provider "+
			"then takes every such object whose creator and settings match its resource.\n\n%s",
			srv.endpoint, object, what, importHint(resourceType, id)))
}

// adoption collects why an object found on the server is not the one a
// resource asks for; empty, the object may be adopted.
type adoption []string

// want records a difference unless ok.
func (a *adoption) want(ok bool, format string, args ...any) {
	if !ok {
		*a = append(*a, fmt.Sprintf(format, args...))
	}
}

// createdBy wants d (a domain, or the account of a mailbox or database) to
// be recorded as created by this provider's login on the server.
func (a *adoption) createdBy(srv *vmServer, d *virtualmin.Domain) {
	user := srv.client.User()
	a.want(d.CreatedBy != "" && d.CreatedBy == user, "Virtualmin records %s as created by %q, not by this provider's login %q",
		d.Name, d.CreatedBy, user)
}

// configured wants the server's value got to equal want, when the resource
// sets want (known and not empty).
func (a *adoption) configured(name, want string, got ...string) {
	if want == "" {
		return
	}
	for _, g := range got {
		if g == want {
			return
		}
	}
	a.want(false, "%s is %q on the server, %q in the configuration", name, strings.Join(got, `" or "`), want)
}

// decide reports the adoption: a warning naming what was taken, or an error
// listing what differs (then the object is not taken, and the create fails).
func (a adoption) decide(diags *diag.Diagnostics, srv *vmServer, what, object, resourceType, id string) bool {
	if len(a) == 0 {
		diags.AddWarning("Existing "+what+" adopted",
			fmt.Sprintf("Server: %s\n%s\nThe %s existed on the server and is now in this resource's state "+
				"(virtualmin.adopt_existing): Virtualmin records it as created by this provider's login, and its settings "+
				"match the resource.", srv.endpoint, object, what))
		return true
	}
	diags.AddError(strings.ToUpper(what[:1])+what[1:]+" exists and was not adopted",
		fmt.Sprintf("Server: %s\n%s\nvirtualmin.adopt_existing takes only an object this provider's login created with the "+
			"settings of the resource, and this one differs:\n  - %s\n\nIf it is the one this resource should manage, "+
			"import it instead.\n\n%s", srv.endpoint, object, strings.Join(a, "\n  - "), importHint(resourceType, id)))
	return false
}

// plannedCreates are the objects the resources of one plan create, so that
// two resources of the configuration creating the same object are caught
// before any change.
type plannedCreates struct {
	mu   sync.Mutex
	byID map[string]string // ID → resource type
}

// claimCreate records that a resource of type resourceType plans to create
// the object with this ID (its server and domain spelled as the state would
// spell them); a second claim of the same ID in the same plan is an error on
// attr. Terraform plans each resource instance once per run.
func (d *providerData) claimCreate(diags *diag.Diagnostics, attr path.Path, what, object, resourceType, id string) {
	if d == nil {
		return
	}
	p := &d.planned
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.byID == nil {
		p.byID = map[string]string{}
	}
	other, taken := p.byID[id]
	if !taken {
		p.byID[id] = resourceType
		return
	}
	diags.AddAttributeError(attr, "Two resources create the same "+what,
		fmt.Sprintf("%s\nAnother %s resource of this configuration creates it too: keep one of the two. (Terraform would "+
			"create it with one and fail with the other.)", object, other))
}

// adoptDomain takes the existing domain (an account, sub-server or alias)
// that cr asked to create, when virtualmin.adopt_existing is set and it is
// this provider's and as cr asks; otherwise it reports why not and returns
// nil.
func adoptDomain(ctx context.Context, diags *diag.Diagnostics, srv *vmServer, cr *virtualmin.CreateDomainRequest, what, object, resourceType, id string) *virtualmin.Domain {
	d, err := srv.client.Domains.Get(ctx, cr.Domain)
	if err != nil {
		vmError(diags, srv, "Cannot read the existing "+what+" to adopt it", object, err, "")
		return nil
	}
	var a adoption
	a.createdBy(srv, d)
	switch {
	case cr.Parent != "":
		a.want(sameDomain(d.ParentDomain, cr.Parent), "its parent is %q, not %q", d.ParentDomain, cr.Parent)
	case cr.Alias != "":
		a.want(sameDomain(d.AliasOf, cr.Alias), "it is an alias of %q, not of %q", d.AliasOf, cr.Alias)
	default:
		a.want(d.Type == "" || d.Type == virtualmin.DomainTypeTopLevel, "it is a %s, not a top-level virtual server", d.Type)
	}
	a.configured("username", cr.User, d.Username)
	a.configured("plan", cr.Plan, d.Plan, d.PlanID)
	a.configured("template", cr.Template, d.Template, d.TemplateID)
	a.configured("description", cr.Desc, d.Description)
	missing := cr.MissingFeatures(d)
	a.want(len(missing) == 0, "it lacks the features %s", strings.Join(missing, ", "))
	if cr.QuotaBlocks != nil && d.ServerQuotaBlocks != nil {
		a.want(*cr.QuotaBlocks == *d.ServerQuotaBlocks, "its disk quota is %s blocks, not %s", d.ServerQuotaBlocks, cr.QuotaBlocks)
	}
	if cr.BandwidthBytes != nil && d.BandwidthLimitBytes != nil {
		a.want(!d.BandwidthLimitBytes.Unlimited && d.BandwidthLimitBytes.Value == *cr.BandwidthBytes,
			"its bandwidth limit is %s bytes, not %d", d.BandwidthLimitBytes, *cr.BandwidthBytes)
	}
	if !a.decide(diags, srv, what, object, resourceType, id) {
		return nil
	}
	return d
}

// accountCreatedByUs is the adoption check of an object inside an account
// (a mailbox, a database), which Virtualmin records no creator for: its
// account must be this provider's.
func accountCreatedByUs(ctx context.Context, diags *diag.Diagnostics, a *adoption, srv *vmServer, domain, object string) bool {
	acct, err := lookupAccount(ctx, srv, domain)
	if err != nil {
		vmError(diags, srv, "Cannot read the account to adopt what it holds", object, err, "")
		return false
	}
	if acct == nil {
		a.want(false, "its account %s does not exist", domain)
		return true
	}
	a.createdBy(srv, acct)
	return true
}
