package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

var (
	_ resource.Resource                 = (*childDomainResource)(nil)
	_ resource.ResourceWithConfigure    = (*childDomainResource)(nil)
	_ resource.ResourceWithImportState  = (*childDomainResource)(nil)
	_ resource.ResourceWithModifyPlan   = (*childDomainResource)(nil)
	_ resource.ResourceWithUpgradeState = (*childDomainResource)(nil)
)

// childDomainResource is a virtual server that hangs off an account:
// praho_sub_server (create-domain parent=) and praho_domain_alias
// (create-domain alias=). Both share this code; childKind says which.
type childDomainResource struct {
	accountChild
	kind *childKind
}

// childKind describes one kind of child virtual server.
type childKind struct {
	alias      bool
	typeSuffix string // "_sub_server"
	what       string // "Sub-server"
	parentAttr string // "parent"
	parentRole string // "parent account"
	features   []string
	defaults   []string
	desc       string
	parentDesc string
}

var subServerKind = &childKind{
	typeSuffix: "_sub_server",
	what:       "Sub-server",
	parentAttr: "parent",
	parentRole: "parent account",
	features:   []string{"dir", "dns", "mail", "web", "ssl", "logrotate", "mysql", "webmin"},
	defaults:   []string{"dir", "web"},
	desc: "A sub-server: a virtual server under a hosting account (`create-domain parent=`), owned by the account's " +
		"Unix user, with its own domain, document root and features. **Deleting the parent account in Virtualmin " +
		"deletes its sub-servers**: the next plan then shows this sub-server to be created again, with a warning " +
		"naming the parent, instead of failing later.",
	parentDesc: "Domain of the parent hosting account. Reference it (`praho_hosting_account.<name>.domain`) so " +
		"Terraform creates the parent first and destroys it last. Changing it replaces the sub-server.",
}

// childModel is the common shape of aliasModel and subServerModel, which
// differ only in the name of the parent attribute; Go converts between them.
type childModel struct {
	ID              types.String
	Server          types.String
	Domain          types.String
	Parent          types.String
	Description     types.String
	Features        types.Set
	EnabledFeatures types.Set
	VirtualminID    types.String
	Timeouts        timeouts.Value
}

type subServerModel struct {
	ID              types.String   `tfsdk:"id"`
	Server          types.String   `tfsdk:"server"`
	Domain          types.String   `tfsdk:"domain"`
	Parent          types.String   `tfsdk:"parent"`
	Description     types.String   `tfsdk:"description"`
	Features        types.Set      `tfsdk:"features"`
	EnabledFeatures types.Set      `tfsdk:"enabled_features"`
	VirtualminID    types.String   `tfsdk:"virtualmin_id"`
	Timeouts        timeouts.Value `tfsdk:"timeouts"`
}

func newSubServerResource() resource.Resource { return &childDomainResource{kind: subServerKind} }

type getter interface {
	Get(context.Context, any) diag.Diagnostics
}

func (k *childKind) get(ctx context.Context, src getter, m *childModel) diag.Diagnostics {
	if k.alias {
		var a aliasModel
		d := src.Get(ctx, &a)
		*m = childModel(a)
		return d
	}
	var s subServerModel
	d := src.Get(ctx, &s)
	*m = childModel(s)
	return d
}

func (k *childKind) set(ctx context.Context, st *tfsdk.State, m *childModel) diag.Diagnostics {
	if k.alias {
		return st.Set(ctx, aliasModel(*m))
	}
	return st.Set(ctx, subServerModel(*m))
}

func (k *childKind) object(domain string) string { return k.what + ": " + domain }

func (r *childDomainResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + r.kind.typeSuffix
}

func (r *childDomainResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	k := r.kind
	defs := make([]attr.Value, 0, len(k.defaults))
	for _, f := range k.defaults {
		defs = append(defs, types.StringValue(f))
	}
	what := strings.ToLower(k.what)
	resp.Schema = schema.Schema{
		Version:             featuresSchemaVersion,
		MarkdownDescription: k.desc,
		Attributes: map[string]schema.Attribute{
			"id":     r.idAttribute("`<server>/<domain>`, the import ID."),
			"server": r.serverAttribute(what),
			"domain": domainAttribute("The "+what+"'s own domain. An internationalised name is accepted and kept as "+
				"written. Changing it replaces the "+what+".", "Replaces the "+what+" when its domain changes."),
			k.parentAttr: domainAttribute(k.parentDesc, "Replaces the "+what+" when it moves to another account."),
			"description": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Free-text description (Virtualmin uses the domain when none is given). It cannot " +
					"be cleared: removing the attribute keeps the server's value.",
				Validators:    []validator.String{stringvalidator.LengthBetween(1, 500), singleLineValidator{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"features": schema.SetAttribute{
				Optional:    true,
				Computed:    true,
				ElementType: types.StringType,
				Default:     setdefault.StaticValue(types.SetValueMust(types.StringType, defs)),
				MarkdownDescription: "Virtualmin features the " + what + " has at least: `" + strings.Join(k.features, "`, `") +
					"`. Defaults to `" + strings.Join(k.defaults, "`, `") + "`. " + featuresDescription + " Changing them " +
					"replaces the " + what + ", and so does a feature asked for and missing on the server.",
				Validators: []validator.Set{
					setvalidator.SizeAtLeast(1),
					setvalidator.ValueStringsAre(stringvalidator.OneOf(k.features...)),
				},
				PlanModifiers: []planmodifier.Set{setplanmodifier.RequiresReplace()},
			},
			"enabled_features": enabledFeaturesAttribute(what),
			"virtualmin_id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Virtualmin's own ID of the virtual server.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"timeouts": childDomainTimeouts.attribute(ctx),
		},
	}
}

func (r *childDomainResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	return map[int64]resource.StateUpgrader{0: upgradeToEnabledFeatures()}
}

func (r *childDomainResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.configure(req, resp)
}

// fill copies what the server reports into m, keeping the configuration's
// spelling of domains that mean the same.
func (k *childKind) fill(m *childModel, d *virtualmin.Domain) {
	if d == nil {
		d = &virtualmin.Domain{}
	}
	parent := d.ParentDomain
	if k.alias {
		parent = d.AliasOf
	}
	if parent != "" && !sameDomain(m.Parent.ValueString(), parent) {
		m.Parent = types.StringValue(parent)
	}
	if d.Description != "" || m.Description.IsUnknown() || m.Description.IsNull() {
		m.Description = types.StringValue(d.Description)
	}
	// features stays what was asked; Read reconciles it with the server.
	m.EnabledFeatures = stringSet(d.Features)
	if m.Features.IsUnknown() {
		m.Features = stringSet(nil)
	}
	m.VirtualminID = types.StringValue(d.ID)
}

func (r *childDomainResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	k := r.kind
	var plan childModel
	resp.Diagnostics.Append(k.get(ctx, req.Plan, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, plan.Timeouts.Create, childDomainTimeouts.create)
	defer cancel()
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, plan.Server.ValueString(), nil, resp.Private)...)
	srv, ascii, ok := accountTarget(r.data, &resp.Diagnostics, plan.Server.ValueString(), plan.Domain.ValueString(), "Invalid domain")
	if !ok {
		return
	}
	parent, err := virtualmin.ValidateDomainName(plan.Parent.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root(k.parentAttr), "Invalid domain", err.Error())
		return
	}
	obj := k.object(ascii)
	p, err := lookupAccount(ctx, srv, parent)
	if err != nil {
		vmError(&resp.Diagnostics, srv, "Cannot read hosting accounts", obj, err, "")
		return
	}
	if p == nil {
		resp.Diagnostics.AddAttributeError(path.Root(k.parentAttr), fmt.Sprintf("The %s does not exist", k.parentRole),
			fmt.Sprintf("Server: %s\n%s\nThe %s %s does not exist on the server, so Virtualmin cannot create the %s. "+
				"Create the account first and reference it (%s = praho_hosting_account.<name>.domain) so Terraform "+
				"orders the creates.", srv.endpoint, obj, k.parentRole, parent, strings.ToLower(k.what), k.parentAttr))
		return
	}
	features := setStrings(ctx, plan.Features, &resp.Diagnostics)
	cr := &virtualmin.CreateDomainRequest{Domain: ascii, Desc: plan.Description.ValueString(), Features: features}
	if k.alias {
		cr.Alias = parent
	} else {
		cr.Parent = parent
	}
	id := serverDomainID(srv.endpoint, ascii)
	dom, err := srv.client.Domains.Create(ctx, cr)
	srv.domains.Invalidate()
	if errors.Is(err, virtualmin.ErrAlreadyExists) && r.data.cfg.Virtualmin.AdoptExisting {
		if dom = adoptDomain(ctx, &resp.Diagnostics, srv, cr, strings.ToLower(k.what), obj, "praho"+k.typeSuffix, id); dom == nil {
			return
		}
		err = nil
	}
	if err != nil {
		if errors.Is(err, virtualmin.ErrAlreadyExists) {
			alreadyExists(&resp.Diagnostics, path.Root("domain"), srv, strings.ToLower(k.what), obj, "praho"+k.typeSuffix, id)
			return
		}
		if errors.Is(err, virtualmin.ErrUnknownOutcome) {
			keepUnsettledCreate(ctx, &resp.Diagnostics, resp.Private, srv, strings.ToLower(k.what), obj, err)
			plan.ID = types.StringValue(id)
			k.fill(&plan, nil)
			resp.Diagnostics.Append(k.set(ctx, &resp.State, &plan)...)
			return
		}
		if dom == nil {
			vmError(&resp.Diagnostics, srv, "Cannot create "+strings.ToLower(k.what), obj, err, "")
			return
		}
		vmError(&resp.Diagnostics, srv, k.what+" created but not read back", obj, err, "")
	}
	plan.ID = types.StringValue(id)
	if dom != nil && err == nil {
		if missing := cr.MissingFeatures(dom); len(missing) > 0 {
			resp.Diagnostics.AddError(k.what+" created without some features",
				fmt.Sprintf("Server: %s\n%s\nVirtualmin reported success, but it lacks: %s (it has: %s).\n\n"+
					"It exists and is kept in state, marked for rebuilding. Fix the cause on the server (for mysql: is "+
					"MariaDB running?), then apply again.", srv.endpoint, obj, strings.Join(missing, ", "), strings.Join(dom.Features, " ")))
		}
	}
	k.fill(&plan, dom)
	resp.Diagnostics.Append(k.set(ctx, &resp.State, &plan)...)
}

func (r *childDomainResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	k := r.kind
	var state childModel
	resp.Diagnostics.Append(k.get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, state.Timeouts.Read, childDomainTimeouts.read)
	defer cancel()
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, state.Server.ValueString(), req.Private, resp.Private)...)
	srv, ascii, ok := accountTarget(r.data, &resp.Diagnostics, state.Server.ValueString(), state.Domain.ValueString(), "Invalid domain in state")
	if !ok {
		return
	}
	dom, err := lookupAccount(ctx, srv, ascii)
	if err != nil {
		if !keepWhenUnreachable(ctx, resp, srv.endpoint, k.object(ascii), err) {
			vmError(&resp.Diagnostics, srv, "Cannot read "+strings.ToLower(k.what), k.object(ascii), err, "")
		}
		return
	}
	var isAlias, isSub, asAsked bool
	if dom != nil {
		isAlias = strings.HasPrefix(dom.Type, "Alias") || dom.AliasOf != ""
		isSub = !isAlias && (dom.Type == "Sub-server" || dom.ParentDomain != "")
		parent := dom.ParentDomain
		if k.alias {
			parent = dom.AliasOf
		}
		asAsked = (k.alias == isAlias) && (k.alias || isSub) && sameDomain(parent, state.Parent.ValueString())
	}
	if settleCreate(ctx, req, resp, "Server: "+srv.endpoint, strings.ToLower(k.what), k.object(ascii), dom != nil, asAsked) == settledDropped {
		return
	}
	if dom == nil {
		if state.Parent.ValueString() == "" {
			resp.State.RemoveResource(ctx)
			return
		}
		removeWithParentGone(ctx, resp, r.data, srv, k.what, k.object(ascii), k.parentRole, state.Parent.ValueString())
		return
	}
	if (k.alias && !isAlias) || (!k.alias && !isSub) {
		resp.Diagnostics.AddError("Not a "+strings.ToLower(k.what),
			fmt.Sprintf("Server: %s\n%s\n%s is a %s; praho%s manages %ss only. Remove it from the state "+
				"(terraform state rm) and manage it with the matching resource.", srv.endpoint, k.object(ascii), ascii, dom.Type,
				k.typeSuffix, strings.ToLower(k.what)))
		return
	}
	state.ID = types.StringValue(serverDomainID(srv.endpoint, ascii))
	var auto []string
	if state.Features.IsNull() {
		auto = automaticFeatures(ctx, srv) // imported: what was asked is unknown
	}
	k.fill(&state, dom)
	state.Features, state.EnabledFeatures = readFeatures(ctx, state.Features, dom.Features, k.features, auto, &resp.Diagnostics)
	resp.Diagnostics.Append(k.set(ctx, &resp.State, &state)...)
}

// ModifyPlan fails the plan when a feature to be set up is not enabled in
// the server's Virtualmin configuration. Features are set up when the
// domain is created (a change of features replaces it).
func (r *childDomainResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	k := r.kind
	var plan, state childModel
	resp.Diagnostics.Append(k.get(ctx, req.Plan, &plan)...)
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(k.get(ctx, req.State, &state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if ep, ascii, ok := r.data.plannedTarget(plan.Server, plan.Domain); ok && req.State.Raw.IsNull() {
		r.data.claimCreate(&resp.Diagnostics, path.Root("domain"), "domain", k.object(ascii), "praho"+k.typeSuffix, serverDomainID(ep, ascii))
	}
	if !req.State.Raw.IsNull() {
		r.data.planFollow(ctx, &resp.Diagnostics, followed{plan.Server, plan.Domain}, followed{state.Server, state.Domain}, strings.ToLower(k.what),
			k.object(plan.Domain.ValueString()), plan.Parent.ValueString())
	}
	if plan.Features.IsUnknown() {
		return
	}
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, plan.Server.ValueString(), req.Private, nil)...)
	if !req.State.Raw.IsNull() && serverChanges(ctx, r.sameEndpoint, req.Plan, req.State) {
		// Following its account: what the new server has is read there.
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("enabled_features"), types.SetUnknown(types.StringType))...)
	}
	if !req.State.Raw.IsNull() && plan.Features.Equal(state.Features) && r.sameEndpoint(plan.Server.ValueString(), state.Server.ValueString()) &&
		sameDomain(plan.Domain.ValueString(), state.Domain.ValueString()) {
		return
	}
	checkFeaturesEnabled(ctx, r.data, plan.Server, plan.Domain.ValueString(), setStrings(ctx, plan.Features, &resp.Diagnostics), &resp.Diagnostics)
}

func (r *childDomainResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	k := r.kind
	var plan, state childModel
	resp.Diagnostics.Append(k.get(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(k.get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, plan.Timeouts.Update, childDomainTimeouts.update)
	defer cancel()
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, plan.Server.ValueString(), req.Private, resp.Private)...)
	srv, ascii, ok := accountTarget(r.data, &resp.Diagnostics, plan.Server.ValueString(), plan.Domain.ValueString(), "Invalid domain")
	if !ok {
		return
	}
	defer srv.domains.Invalidate()
	if !r.sameEndpoint(plan.Server.ValueString(), state.Server.ValueString()) {
		d, err := lookupAccount(ctx, srv, ascii)
		if !followedAccount(&resp.Diagnostics, srv, state.Server.ValueString(), strings.ToLower(k.what), k.object(ascii), d != nil, err) {
			return
		}
	}
	if !plan.Description.Equal(state.Description) && plan.Description.ValueString() != "" {
		if err := srv.client.Domains.Modify(ctx, ascii, &virtualmin.ModifyDomainRequest{Desc: plan.Description.ValueString()}); err != nil {
			vmError(&resp.Diagnostics, srv, "Cannot update "+strings.ToLower(k.what), k.object(ascii), err, "")
			return
		}
	}
	dom, err := srv.client.Domains.Get(ctx, ascii)
	if err != nil {
		vmError(&resp.Diagnostics, srv, k.what+" updated but not read back", k.object(ascii), err, "")
		return
	}
	plan.ID = types.StringValue(serverDomainID(srv.endpoint, ascii))
	k.fill(&plan, dom)
	resp.Diagnostics.Append(k.set(ctx, &resp.State, &plan)...)
}

func (r *childDomainResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	k := r.kind
	var state childModel
	resp.Diagnostics.Append(k.get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, state.Timeouts.Delete, childDomainTimeouts.delete)
	defer cancel()
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, state.Server.ValueString(), req.Private, nil)...)
	srv, ascii, ok := accountTarget(r.data, &resp.Diagnostics, state.Server.ValueString(), state.Domain.ValueString(), "Invalid domain in state")
	if !ok {
		return
	}
	err := srv.client.Domains.Delete(ctx, ascii)
	srv.domains.Invalidate()
	// Already gone, for example with its parent: nothing left to do.
	if err != nil && !errors.Is(err, virtualmin.ErrNotFound) {
		vmError(&resp.Diagnostics, srv, "Cannot delete "+strings.ToLower(k.what), k.object(ascii), err, "")
	}
}

func (r *childDomainResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts := splitImportID(&resp.Diagnostics, req.ID, 2, "<server>/<domain>, for example vm1.example.ro:10000/shop.example.ro")
	if parts == nil {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("server"), parts[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("domain"), parts[1])...)
	// Read fills the parent, description and features from the server.
}
