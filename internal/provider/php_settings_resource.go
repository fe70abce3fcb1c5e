package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

var (
	_ resource.Resource                = (*phpSettingsResource)(nil)
	_ resource.ResourceWithConfigure   = (*phpSettingsResource)(nil)
	_ resource.ResourceWithImportState = (*phpSettingsResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*phpSettingsResource)(nil)
)

// phpSettingsResource is the PHP execution mode and version of one hosting
// account's website (modify-web), checked at plan time against the versions
// and modes the server offers.
type phpSettingsResource struct {
	data *providerData
}

func newPHPSettingsResource() resource.Resource { return &phpSettingsResource{} }

type phpSettingsModel struct {
	ID             types.String   `tfsdk:"id"`
	Server         types.String   `tfsdk:"server"`
	Domain         types.String   `tfsdk:"domain"`
	Mode           types.String   `tfsdk:"mode"`
	Version        types.String   `tfsdk:"version"`
	AvailableModes types.List     `tfsdk:"available_modes"`
	Timeouts       timeouts.Value `tfsdk:"timeouts"`
}

// phpModes are the execution modes modify-web accepts.
var phpModes = []string{"none", "cgi", "fcgid", "fpm", "mod_php"}

func (r *phpSettingsResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_php_settings"
}

func (r *phpSettingsResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Version: 0,
		MarkdownDescription: "The PHP execution mode and version of a hosting account's website. Both are checked at plan " +
			"time against what the server offers (the versions `praho_virtualmin_server_info` lists, and the modes the " +
			"account may use), and applied in the order Virtualmin needs: the mode first, the version in a later call.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "`<server>/<domain>`, with the server as `host:port` and the domain in its ASCII form.",
				PlanModifiers:       []planmodifier.String{keepUnlessServerChanges{r.sameEndpoint}},
			},
			"server": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The Virtualmin server of the account: `host` or `host:port`. " + followServerDoc("PHP settings") +
					" The mode and version are then checked and applied on the new server.",
				Validators: []validator.String{endpointValidator{}},
			},
			"domain": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The hosting account's domain (usually `praho_hosting_account.<name>.domain`); it needs the `web` feature. Changing it replaces the settings.",
				Validators:          []validator.String{domainNameValidator{}},
				PlanModifiers:       []planmodifier.String{requiresReplaceIfMeaningChanges(sameDomain, "Applies the settings to the new domain.")},
			},
			"mode": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "PHP execution mode: `" + strings.Join(phpModes, "`, `") + "`. `none` turns PHP off. " +
					"The plan fails when the account cannot use the mode on this server (see `available_modes`).",
				Validators: []validator.String{stringvalidator.OneOf(phpModes...)},
			},
			"version": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "PHP version in the short form `8.2`. The plan fails when the server has no such version, " +
					"or the version does not run in `mode`. Left out, Virtualmin's choice for the mode is kept (and shown).",
				Validators: []validator.String{
					stringvalidator.RegexMatches(phpVersionRE, "must be a short PHP version such as 8.2 (Virtualmin refuses 8.2.36)"),
				},
			},
			"available_modes": schema.ListAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Execution modes the account may use on this server, as Virtualmin reports them.",
			},
			"timeouts": phpSettingsTimeouts.attribute(ctx),
		},
	}
}

func (r *phpSettingsResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = d
}

func (r *phpSettingsResource) sameEndpoint(a, b string) bool {
	return sameEndpoint(r.data, a, b)
}

// ModifyPlan checks the mode and version against the server, and leaves the
// version unknown when a new mode will choose it.
func (r *phpSettingsResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	var plan, config phpSettingsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state *phpSettingsModel
	if !req.State.Raw.IsNull() {
		state = &phpSettingsModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		r.data.planFollow(ctx, &resp.Diagnostics, followed{plan.Server, plan.Domain}, followed{state.Server, state.Domain}, "PHP settings",
			domainObject(plan.Domain.ValueString()))
	}
	// Without a configured version, the version follows the mode: known
	// from state only while the mode and the server stay.
	same := state != nil && !serverChanges(ctx, r.sameEndpoint, req.Plan, req.State)
	if config.Version.IsNull() {
		if same && plan.Mode.Equal(state.Mode) && !state.Version.IsNull() {
			plan.Version = state.Version
		} else {
			plan.Version = types.StringUnknown()
		}
	}
	if same && plan.Mode.Equal(state.Mode) && plan.Version.Equal(state.Version) {
		plan.AvailableModes = state.AvailableModes
	} else {
		plan.AvailableModes = types.ListUnknown(types.StringType)
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)

	if plan.Server.IsUnknown() || plan.Domain.IsUnknown() || plan.Mode.IsUnknown() || plan.Version.IsUnknown() && !config.Version.IsNull() {
		return
	}
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, plan.Server.ValueString(), req.Private, nil)...)
	srv, err := r.data.virtualminServer(plan.Server.ValueString())
	if err != nil {
		return // reported by the apply with the server attribute
	}
	ascii, err := virtualmin.ValidateDomainName(plan.Domain.ValueString())
	if err != nil {
		return
	}
	mode, version := plan.Mode.ValueString(), ""
	if !config.Version.IsNull() {
		version = config.Version.ValueString()
	}
	if mode == "none" {
		if version != "" {
			resp.Diagnostics.AddAttributeError(path.Root("version"), "PHP version without a PHP mode",
				fmt.Sprintf("Server: %s\nDomain: %s\nmode = \"none\" turns PHP off, so version %q cannot apply. Choose a mode "+
					"(fpm on most servers) or remove version.", srv.endpoint, ascii, version))
		}
		return
	}
	versions, err := srv.phpVersions.Get(ctx)
	if err != nil {
		vmError(&resp.Diagnostics, srv, "Cannot list the server's PHP versions to check the plan", domainObject(ascii), err, "")
		return
	}
	// The account's possible modes, when it exists already.
	var possible []string
	if all, err := srv.domains.Get(ctx); err == nil {
		if d, ok := all[ascii]; ok {
			for _, m := range d.PossiblePHPExecutionModes {
				possible = append(possible, strings.Fields(m)...)
			}
		}
	}
	var offered []string
	var forMode []string
	for _, v := range versions {
		offered = append(offered, v.Version)
		if slices.Contains(v.Modes, mode) || (mode == "mod_php" && len(v.Modes) > 0) {
			forMode = append(forMode, v.Version)
		}
	}
	switch {
	case len(possible) > 0 && !slices.Contains(possible, mode):
		resp.Diagnostics.AddAttributeError(path.Root("mode"), "PHP mode not offered",
			fmt.Sprintf("Server: %s\nDomain: %s\nThe account cannot use PHP mode %q on this server; it may use: %s.",
				srv.endpoint, ascii, mode, strings.Join(possible, ", ")))
	case len(offered) == 0:
		resp.Diagnostics.AddAttributeError(path.Root("mode"), "No PHP on the server",
			fmt.Sprintf("Server: %s\nDomain: %s\nThe server has no PHP version installed (list-php-versions is empty), so "+
				"mode %q cannot run. Install PHP on the server (for fpm: php-fpm), or set mode = \"none\".", srv.endpoint, ascii, mode))
	case version != "" && !slices.Contains(offered, version):
		resp.Diagnostics.AddAttributeError(path.Root("version"), "PHP version not installed",
			fmt.Sprintf("Server: %s\nDomain: %s\nPHP %s is not installed on the server; it offers: %s (see praho_virtualmin_server_info).",
				srv.endpoint, ascii, version, strings.Join(offered, ", ")))
	case version != "" && !slices.Contains(forMode, version):
		resp.Diagnostics.AddAttributeError(path.Root("version"), "PHP version does not run in this mode",
			fmt.Sprintf("Server: %s\nDomain: %s\nPHP %s does not support mode %q on this server; versions for %s: %s.",
				srv.endpoint, ascii, version, mode, mode, orNone(forMode)))
	case version == "" && len(forMode) == 0 && mode != "mod_php":
		resp.Diagnostics.AddAttributeError(path.Root("mode"), "No PHP version runs in this mode",
			fmt.Sprintf("Server: %s\nDomain: %s\nNo installed PHP version supports mode %q (installed: %s).",
				srv.endpoint, ascii, mode, strings.Join(offered, ", ")))
	}
}

func (r *phpSettingsResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan phpSettingsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, plan.Timeouts.Create, phpSettingsTimeouts.create)
	defer cancel()
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, plan.Server.ValueString(), nil, resp.Private)...)
	r.apply(ctx, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *phpSettingsResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state phpSettingsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, plan.Timeouts.Update, phpSettingsTimeouts.update)
	defer cancel()
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, plan.Server.ValueString(), req.Private, resp.Private)...)
	if !r.sameEndpoint(plan.Server.ValueString(), state.Server.ValueString()) {
		srv, ascii, ok := accountTarget(r.data, &resp.Diagnostics, plan.Server.ValueString(), plan.Domain.ValueString(), "Invalid domain")
		if !ok {
			return
		}
		d, err := lookupAccount(ctx, srv, ascii)
		if !followedAccount(&resp.Diagnostics, srv, state.Server.ValueString(), "account of the PHP settings", domainObject(ascii), d != nil, err) {
			return
		}
	}
	r.apply(ctx, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// apply sets the mode, then (in a later call, as modify-web needs) the
// version, comparing each with what the server holds first.
func (r *phpSettingsResource) apply(ctx context.Context, m *phpSettingsModel, diags *diag.Diagnostics) {
	srv, ascii, ok := accountTarget(r.data, diags, m.Server.ValueString(), m.Domain.ValueString(), "Invalid domain")
	if !ok {
		return
	}
	defer srv.domains.Invalidate()
	dom, err := srv.client.Domains.Get(ctx, ascii)
	if err != nil {
		if errors.Is(err, virtualmin.ErrNotFound) {
			diags.AddAttributeError(path.Root("domain"), "Hosting account not found",
				fmt.Sprintf("Server: %s\nDomain: %s does not exist on the server. Create it first (reference "+
					"praho_hosting_account.<name>.domain so Terraform orders the two).", srv.endpoint, ascii))
			return
		}
		vmError(diags, srv, "Cannot read the hosting account", domainObject(ascii), err, "")
		return
	}
	mode := m.Mode.ValueString()
	if dom.PHPExecutionMode != mode {
		if err := srv.client.PHP.SetMode(ctx, ascii, mode); err != nil {
			vmError(diags, srv, "Cannot set the PHP execution mode", domainObject(ascii), err, "")
			return
		}
		if dom, err = srv.client.Domains.Get(ctx, ascii); err != nil {
			vmError(diags, srv, "PHP mode set but not read back", domainObject(ascii), err, "")
			return
		}
	}
	if v := m.Version.ValueString(); !m.Version.IsUnknown() && !m.Version.IsNull() && dom.PHPVersion != v {
		if err := srv.client.PHP.SetVersion(ctx, ascii, v); err != nil {
			vmError(diags, srv, "Cannot set the PHP version", domainObject(ascii), err, "")
			return
		}
		if dom, err = srv.client.Domains.Get(ctx, ascii); err != nil {
			vmError(diags, srv, "PHP version set but not read back", domainObject(ascii), err, "")
			return
		}
	}
	if dom.PHPExecutionMode != mode || (!m.Version.IsUnknown() && !m.Version.IsNull() && dom.PHPVersion != m.Version.ValueString()) {
		diags.AddError("PHP settings not taken",
			fmt.Sprintf("Server: %s\nDomain: %s\nVirtualmin reported success, but the account now has mode %q and version %q "+
				"(wanted %q and %q). Check the server's PHP installation (check-config), then apply again.",
				srv.endpoint, ascii, dom.PHPExecutionMode, dom.PHPVersion, mode, m.Version.ValueString()))
		return
	}
	m.ID = types.StringValue(serverDomainID(srv.endpoint, ascii))
	fillPHPSettings(m, dom)
}

func fillPHPSettings(m *phpSettingsModel, d *virtualmin.Domain) {
	m.Mode = types.StringValue(d.PHPExecutionMode)
	m.Version = types.StringValue(d.PHPVersion)
	modes := []string{}
	for _, s := range d.PossiblePHPExecutionModes {
		modes = append(modes, strings.Fields(s)...)
	}
	m.AvailableModes = stringList(modes)
}

func (r *phpSettingsResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state phpSettingsModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, state.Timeouts.Read, phpSettingsTimeouts.read)
	defer cancel()
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, state.Server.ValueString(), req.Private, resp.Private)...)
	srv, ascii, ok := accountTarget(r.data, &resp.Diagnostics, state.Server.ValueString(), state.Domain.ValueString(), "Invalid domain in state")
	if !ok {
		return
	}
	all, err := srv.domains.Get(ctx)
	if err != nil {
		if !keepWhenUnreachable(ctx, resp, srv.endpoint, domainObject(ascii), err) {
			vmError(&resp.Diagnostics, srv, "Cannot read the hosting account's PHP settings", domainObject(ascii), err, "")
		}
		return
	}
	dom, ok := all[ascii]
	if !ok {
		resp.State.RemoveResource(ctx)
		return
	}
	state.ID = types.StringValue(serverDomainID(srv.endpoint, ascii))
	fillPHPSettings(&state, &dom)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete leaves the website's PHP as it is: turning PHP off would break a
// live site, and Virtualmin has no "default" to go back to.
func (r *phpSettingsResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state phpSettingsModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
}

func (r *phpSettingsResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importServerDomain(ctx, req, resp)
}
