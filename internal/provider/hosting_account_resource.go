package provider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

var (
	_ resource.Resource                     = (*hostingAccountResource)(nil)
	_ resource.ResourceWithConfigure        = (*hostingAccountResource)(nil)
	_ resource.ResourceWithImportState      = (*hostingAccountResource)(nil)
	_ resource.ResourceWithConfigValidators = (*hostingAccountResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*hostingAccountResource)(nil)
	_ resource.ResourceWithUpgradeState     = (*hostingAccountResource)(nil)
)

// hostingAccountResource is a top-level Virtualmin virtual server.
type hostingAccountResource struct {
	data *providerData
}

func newHostingAccountResource() resource.Resource { return &hostingAccountResource{} }

type hostingAccountModel struct {
	ID                types.String   `tfsdk:"id"`
	Server            types.String   `tfsdk:"server"`
	Domain            types.String   `tfsdk:"domain"`
	Username          types.String   `tfsdk:"username"`
	Password          types.String   `tfsdk:"password"`
	PasswordWO        types.String   `tfsdk:"password_wo"`
	PasswordWOVersion types.Int64    `tfsdk:"password_wo_version"`
	Plan              types.String   `tfsdk:"plan"`
	Template          types.String   `tfsdk:"template"`
	Description       types.String   `tfsdk:"description"`
	Features          types.Set      `tfsdk:"features"`
	EnabledFeatures   types.Set      `tfsdk:"enabled_features"`
	DiskQuotaMB       types.Int64    `tfsdk:"disk_quota_mb"`
	BandwidthLimitMB  types.Int64    `tfsdk:"bandwidth_limit_mb"`
	Suspended         types.Bool     `tfsdk:"suspended"`
	SuspendReason     types.String   `tfsdk:"suspend_reason"`
	PHPVersion        types.String   `tfsdk:"php_version"`
	HomeDirectory     types.String   `tfsdk:"home_directory"`
	IPAddress         types.String   `tfsdk:"ip_address"`
	DiskUsedMB        types.Int64    `tfsdk:"disk_used_mb"`
	VirtualminID      types.String   `tfsdk:"virtualmin_id"`
	RebuildFrom       types.String   `tfsdk:"rebuild_from"`
	AllowEmptyRebuild types.Bool     `tfsdk:"allow_empty_rebuild"`
	RebuiltFrom       types.String   `tfsdk:"rebuilt_from"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}

// accountFeatures are the Virtualmin features an account may list.
var accountFeatures = []string{"unix", "dir", "web", "dns", "mail", "mysql", "postgres", "ssl", "webmin", "logrotate", "spam", "virus", "webalizer", "status"}

var defaultFeatures = []string{"dir", "unix", "web"}

var phpVersionRE = regexp.MustCompile(`^[0-9]+\.[0-9]+$`)

func (r *hostingAccountResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_hosting_account"
}

func (r *hostingAccountResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	defFeatures := make([]attr.Value, 0, len(defaultFeatures))
	for _, f := range defaultFeatures {
		defFeatures = append(defFeatures, types.StringValue(f))
	}
	resp.Schema = schema.Schema{
		Version: featuresSchemaVersion,
		MarkdownDescription: "A hosting account: a top-level Virtualmin virtual server (its Unix user, home directory, " +
			"website, mail, databases). Create refuses a domain that already exists on the server and prints the " +
			"import command; after a create the account is read back and the apply fails if a feature is missing " +
			"(Virtualmin reports success when, for example, MariaDB is down and `mysql` could not be set up).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "`<server>/<domain>`, with the server as `host:port` and the domain in its ASCII (punycode) form.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"server": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The Virtualmin server: `host` or `host:port` (the provider's `virtualmin.port` when " +
					"left out), often `praho_placement.<name>.assignments[<key>]`. Changing it **moves** the account, in place: " +
					"the account, its sub-servers and alias domains with everything they hold are copied to the new server " +
					"(`virtualmin.move_method`), read back there and compared, and only then deleted on the old one; its " +
					"mailboxes, databases, aliases, sub-servers, certificates and PHP settings follow it without being " +
					"replaced. The plan says what moves and roughly how long it takes. When the old server does not answer, " +
					"the account is rebuilt from `rebuild_from` (or, with `allow_empty_rebuild`, created empty).",
				Validators: []validator.String{endpointValidator{}},
			},
			"domain": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The account's domain. An internationalised name (`școală.ro`) is accepted and kept " +
					"as written; Virtualmin stores its punycode form. Changing it replaces the account.",
				Validators: []validator.String{domainNameValidator{}},
				PlanModifiers: []planmodifier.String{requiresReplaceIfMeaningChanges(sameDomain,
					"Replaces the account when the domain changes (not when only its spelling does).")},
			},
			"username": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Unix user owning the account (1-32 characters: lower-case letters, digits, `.`, `_`, `-`). " +
					"Virtualmin derives one from the domain when it is left out. Changing it replaces the account.",
				Validators: []validator.String{usernameValidator{}},
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.UseStateForUnknown(),
					stringplanmodifier.RequiresReplaceIfConfigured(),
				},
			},
			"password": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "Administration password of the account. Stored in state (sensitive); prefer `password_wo`.",
				Validators:          []validator.String{passwordValidator{}},
			},
			"password_wo": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				WriteOnly: true,
				MarkdownDescription: "Write-only administration password: sent to Virtualmin, never stored in the plan or state " +
					"(Terraform 1.11 or OpenTofu 1.11 and later). It is sent at creation and whenever `password_wo_version` changes.",
				Validators: []validator.String{passwordValidator{}},
			},
			"password_wo_version": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "Change this number to send `password_wo` again.",
				Validators:          []validator.Int64{int64validator.AlsoRequires(path.MatchRoot("password_wo"))},
			},
			"plan": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Account plan, by name or ID (see `praho_virtualmin_server_info`). The server's default " +
					"plan when left out. Changing it moves the account to the new plan in place.",
				Validators:    []validator.String{stringvalidator.LengthBetween(1, 200)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"template": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "Server template, by name or ID, used at creation. Changing it replaces the account.",
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 200)},
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.UseStateForUnknown(),
					stringplanmodifier.RequiresReplaceIfConfigured(),
				},
			},
			"description": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Free-text description. Virtualmin cannot clear a description: removing the attribute " +
					"leaves the server's value as it is.",
				Validators:    []validator.String{stringvalidator.LengthBetween(1, 500), singleLineValidator{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"features": schema.SetAttribute{
				Optional:    true,
				Computed:    true,
				ElementType: types.StringType,
				Default:     setdefault.StaticValue(types.SetValueMust(types.StringType, defFeatures)),
				MarkdownDescription: "Virtualmin features the account has at least: `" + strings.Join(accountFeatures, "`, `") +
					"`. Defaults to `dir`, `unix` and `web`. " + featuresDescription + " Changing the set changes the account " +
					"in place (enable-feature, disable-feature); removing a feature turns it off only if it was in `features` " +
					"before, and deletes what it holds (the plan warns).",
				Validators: []validator.Set{
					setvalidator.SizeAtLeast(1),
					setvalidator.ValueStringsAre(stringvalidator.OneOf(accountFeatures...)),
				},
			},
			"enabled_features": enabledFeaturesAttribute("account"),
			"disk_quota_mb": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "Disk quota of the account in MiB; `0` means unlimited. Left out, the plan's quota applies " +
					"and is not managed. Has no effect on a server with quotas off (the value then cannot be read back).",
				Validators: []validator.Int64{int64validator.Between(0, 1<<30)},
			},
			"bandwidth_limit_mb": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "Monthly bandwidth limit in MiB; `0` means unlimited. Left out, it is not managed. " +
					"Read back only where bandwidth monitoring is on.",
				Validators: []validator.Int64{int64validator.Between(0, 1<<40)},
			},
			"suspended": schema.BoolAttribute{
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
				MarkdownDescription: "Whether the account is suspended (Virtualmin's disable-domain). An account suspended by hand shows up in the next plan, and the apply enables it again.",
			},
			"suspend_reason": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Reason recorded with the suspension.",
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 200), singleLineValidator{}},
			},
			"php_version": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "PHP version of the website in the short form `8.2`, checked at plan time against the " +
					"versions the server has installed (see `praho_virtualmin_server_info`); it needs the `web` feature. Where " +
					"new websites start in PHP execution mode `none` (Virtualmin's `php_suexec` setting), the account is " +
					"switched to `fpm` first, in a separate call, as Virtualmin refuses a version under mode `none`; where " +
					"they start in `fpm` with a version (a server set up by Virtualmin's installer), only a different version " +
					"is sent. Left out, the server's value is shown and not managed. Do not set it on an " +
					"account whose PHP is managed by a `praho_php_settings` resource: that resource owns the mode and the " +
					"version, and when both name a version they undo each other on every apply.",
				Validators:    []validator.String{stringvalidator.RegexMatches(phpVersionRE, "must look like 8.2")},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"home_directory": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Home directory of the account on the server.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"ip_address": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "IPv4 address the account's website is served on.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"disk_used_mb": schema.Int64Attribute{
				Computed: true,
				MarkdownDescription: "Disk space used by the account in MiB when last read (0 where quotas are off). An " +
					"update keeps it unless it turns features on or off, which adds or deletes what they hold; the next " +
					"refresh reads it again.",
				PlanModifiers: []planmodifier.Int64{diskUsedUnlessFeaturesChange{}},
			},
			"virtualmin_id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Virtualmin's own ID of the virtual server, stable across backup and restore.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"rebuild_from": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The account's off-host backup, to rebuild it from when its server is lost: the " +
					"`destination` a `praho_account_backup` of the account writes in `virtualmin.backup_store` " +
					"(`ssh://user@host:/path/archive.tar.gz`, no password). Used only when the account moves (its `server` " +
					"changes) and the old server does not answer at plan time: the plan checks the archive in the store and " +
					"names it with its age, and the apply restores it on the new server without calling the old one.",
				Validators: []validator.String{storeURLValidator{}},
			},
			"allow_empty_rebuild": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "When the account moves off a server that does not answer and `rebuild_from` is not set, " +
					"create it on the new server **empty** (without its files, mail and databases) instead of failing the plan. " +
					"Defaults to `false`.",
			},
			"rebuilt_from": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "How the account came to its server the last time it was rebuilt because its server " +
					"was lost: the backup it was restored from, or `empty`. `\"\"` for an account created or moved normally.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"timeouts": hostingAccountTimeouts.attribute(ctx),
		},
	}
}

// diskUsedUnlessFeaturesChange keeps disk_used_mb at the value last read
// through an update that cannot change it, instead of "known after apply" in
// every plan: only turning features on or off adds or deletes data.
type diskUsedUnlessFeaturesChange struct{}

func (diskUsedUnlessFeaturesChange) Description(context.Context) string {
	return "Keeps the value last read unless the features change."
}

func (m diskUsedUnlessFeaturesChange) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (diskUsedUnlessFeaturesChange) PlanModifyInt64(ctx context.Context, req planmodifier.Int64Request, resp *planmodifier.Int64Response) {
	if req.StateValue.IsNull() || !req.PlanValue.IsUnknown() {
		return // a create, or a value the plan knows
	}
	var planned, current types.Set
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("features"), &planned)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("features"), &current)...)
	if !resp.Diagnostics.HasError() && planned.Equal(current) {
		resp.PlanValue = req.StateValue
	}
}

func (r *hostingAccountResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	return map[int64]resource.StateUpgrader{0: upgradeToEnabledFeatures()}
}

func (r *hostingAccountResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("password"), path.MatchRoot("password_wo")),
		resourcevalidator.Conflicting(path.MatchRoot("password"), path.MatchRoot("password_wo_version")),
	}
}

func (r *hostingAccountResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = d
}

// ModifyPlan checks at plan time what the server decides (its PHP versions)
// and warns about what the apply cannot do.
func (r *hostingAccountResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan, config hostingAccountModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, plan.Server.ValueString(), req.Private, nil)...)
	if ep, ascii, ok := r.data.plannedTarget(plan.Server, plan.Domain); ok && req.State.Raw.IsNull() {
		r.data.claimCreate(&resp.Diagnostics, path.Root("domain"), "domain", domainObject(ascii), "praho_hosting_account", serverDomainID(ep, ascii))
	}
	var state hostingAccountModel
	var prior *hostingAccountModel // nil for a create
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if resp.Diagnostics.HasError() {
			return
		}
		prior = &state
		resp.Diagnostics.Append(r.data.syncManagedServer(ctx, state.Server.ValueString(), req.Private, nil)...)
		if r.planServerChange(ctx, req, &plan, &state, &config, &resp.Diagnostics) {
			resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
			if ep, ascii, ok := r.data.plannedTarget(plan.Server, plan.Domain); ok {
				r.data.moves.set(ascii, ep)
			}
		}
		if resp.Diagnostics.HasError() {
			return
		}
	}
	r.checkPHPVersion(ctx, &plan, &config, &resp.Diagnostics)
	r.data.checkPasswords(&resp.Diagnostics, prior == nil,
		passwordAttrs{config.Password, config.PasswordWO, config.PasswordWOVersion},
		passwordAttrs{plan.Password, plan.PasswordWO, plan.PasswordWOVersion},
		passwordAttrs{state.Password, state.PasswordWO, state.PasswordWOVersion})
	r.recordAccountServers(&plan, prior, &resp.Diagnostics)
	if plan.Features.IsUnknown() {
		return
	}
	// An update of the same account changes features in place; a create
	// or a replacement sets up every feature asked for.
	inPlace := !req.State.Raw.IsNull() && r.sameEndpoint(plan.Server.ValueString(), state.Server.ValueString()) &&
		sameDomain(plan.Domain.ValueString(), state.Domain.ValueString())
	var askedBefore, enabled []string
	if inPlace {
		askedBefore, enabled = setStrings(ctx, state.Features, &resp.Diagnostics), setStrings(ctx, state.EnabledFeatures, &resp.Diagnostics)
	}
	on, off := featureChanges(askedBefore, setStrings(ctx, plan.Features, &resp.Diagnostics), enabled)
	checkFeaturesEnabled(ctx, r.data, plan.Server, plan.Domain.ValueString(), on, &resp.Diagnostics)
	if !inPlace || plan.Features.Equal(state.Features) {
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("enabled_features"), types.SetUnknown(types.StringType))...)
	if ep, ascii, ok := r.data.plannedTarget(plan.Server, plan.Domain); ok && len(off) > 0 {
		r.data.featuresOff.record(serverDomainID(ep, ascii), off)
	}
	if len(off) > 0 {
		resp.Diagnostics.AddAttributeWarning(path.Root("features"), "Features will be turned off",
			fmt.Sprintf("The apply turns off %s for %s (disable-feature). Virtualmin removes what a feature holds without "+
				"asking: turning off mysql or postgres drops the account's databases, dns deletes its zone, mail its mail "+
				"setup, web its website configuration.", strings.Join(off, ", "), plan.Domain.ValueString()))
	}
}

// checkPHPVersion fails the plan when the configured php_version cannot be
// set: the account has no website, or the server has no such PHP installed.
// The server's list is one list-php-versions call per server and run, shared
// with praho_php_settings.
func (r *hostingAccountResource) checkPHPVersion(ctx context.Context, plan, config *hostingAccountModel, diags *diag.Diagnostics) {
	if config.PHPVersion.IsNull() || config.PHPVersion.IsUnknown() {
		return
	}
	want := config.PHPVersion.ValueString()
	if !plan.Features.IsUnknown() {
		if !slices.Contains(setStrings(ctx, plan.Features, diags), "web") {
			diags.AddAttributeError(path.Root("php_version"), "PHP version without a website",
				fmt.Sprintf("Domain: %s\nphp_version = %q needs the web feature, which features does not list. Add \"web\" to "+
					"features or remove php_version.", plan.Domain.ValueString(), want))
			return
		}
	}
	if r.data == nil || plan.Server.IsUnknown() {
		return // a server created in the same apply: checked by the apply
	}
	srv, err := r.data.virtualminServer(plan.Server.ValueString())
	if err != nil {
		return // reported by the apply with the server attribute
	}
	versions, err := srv.phpVersions.Get(ctx)
	if err != nil {
		vmError(diags, srv, "Cannot list the server's PHP versions to check the plan", domainObject(plan.Domain.ValueString()), err, "")
		return
	}
	offered := make([]string, 0, len(versions))
	for _, v := range versions {
		offered = append(offered, v.Version)
	}
	if !slices.Contains(offered, want) {
		diags.AddAttributeError(path.Root("php_version"), "PHP version not installed",
			fmt.Sprintf("Server: %s\nDomain: %s\nPHP %s is not installed on the server; it offers: %s (see "+
				"praho_virtualmin_server_info).", srv.endpoint, plan.Domain.ValueString(), want, orNone(offered)))
	}
}

// setPHPVersion sets an account's PHP version in the order Virtualmin needs
// (docs/virtualmin-api.md): a version is refused while the execution mode is
// `none`, even with mode=fpm in the same call, so the mode is set to fpm in
// an earlier call. Where new websites start in fpm that step is skipped.
// mode is the account's current mode. It returns the account as read back
// afterwards.
func setPHPVersion(ctx context.Context, srv *vmServer, ascii, mode, version string) (*virtualmin.Domain, error) {
	if mode == "" || mode == "none" {
		if err := srv.client.PHP.SetMode(ctx, ascii, "fpm"); err != nil {
			return nil, fmt.Errorf("set PHP execution mode fpm (needed before a version): %w", err)
		}
		dom, err := srv.client.Domains.Get(ctx, ascii)
		if err != nil {
			return nil, err
		}
		if dom.PHPVersion == version {
			return dom, nil // the mode change chose it already
		}
	}
	if err := srv.client.PHP.SetVersion(ctx, ascii, version); err != nil {
		return nil, err
	}
	return srv.client.Domains.Get(ctx, ascii)
}

// phpNotTaken reports a version Virtualmin accepted but did not set.
func phpNotTaken(diags *diag.Diagnostics, server, ascii, want string, dom *virtualmin.Domain) bool {
	if dom == nil || dom.PHPVersion == want {
		return false
	}
	diags.AddAttributeError(path.Root("php_version"), "PHP version not taken",
		fmt.Sprintf("Server: %s\nDomain: %s\nVirtualmin reported success, but the account has PHP %q (mode %q), not %q. "+
			"Check the server's PHP installation (check-config), then apply again.", server, ascii, dom.PHPVersion, dom.PHPExecutionMode, want))
	return true
}

func (r *hostingAccountResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config hostingAccountModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, plan.Timeouts.Create, hostingAccountTimeouts.create)
	defer cancel()
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, plan.Server.ValueString(), nil, resp.Private)...)
	srv, ascii, ok := accountTarget(r.data, &resp.Diagnostics, plan.Server.ValueString(), plan.Domain.ValueString(), "Invalid domain")
	if !ok {
		return
	}
	id := serverDomainID(srv.endpoint, ascii)
	cr, d := createRequest(ctx, ascii, &plan, &config)
	resp.Diagnostics.Append(d...)
	dom, err := srv.client.Domains.Create(ctx, cr)
	srv.domains.Invalidate()
	if errors.Is(err, virtualmin.ErrAlreadyExists) && r.data.cfg.Virtualmin.AdoptExisting {
		// Taken as if this create had made it; the settings create-domain
		// does not take are applied below as after a create.
		if dom = adoptDomain(ctx, &resp.Diagnostics, srv, cr, "hosting account", domainObject(ascii), "praho_hosting_account", id); dom == nil {
			return
		}
		err = nil
	}
	if err != nil {
		if errors.Is(err, virtualmin.ErrAlreadyExists) {
			alreadyExists(&resp.Diagnostics, path.Root("domain"), srv, "hosting account", domainObject(ascii), "praho_hosting_account", id)
			return
		}
		if errors.Is(err, virtualmin.ErrUnknownOutcome) {
			keepUnsettledCreate(ctx, &resp.Diagnostics, resp.Private, srv, "hosting account", domainObject(ascii), err)
			plan.ID = types.StringValue(id)
			r.fill(&plan, nil)
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
			return
		}
		if dom == nil {
			vmError(&resp.Diagnostics, srv, "Cannot create hosting account", domainObject(ascii), err, "")
			return
		}
		// Created, but the read-back failed: keep it in state so it is not lost.
		vmError(&resp.Diagnostics, srv, "Hosting account created but not read back", domainObject(ascii), err, "")
	}
	plan.ID = types.StringValue(id)
	if dom != nil && err == nil {
		if missing := cr.MissingFeatures(dom); len(missing) > 0 {
			resp.Diagnostics.AddError("Hosting account created without some features",
				fmt.Sprintf("Server: %s\nDomain: %s\nVirtualmin reported success, but the account lacks: %s (it has: %s).\n\n"+
					"The account exists and is kept in state, marked for rebuilding. Fix the cause on the server (for mysql: "+
					"is MariaDB running?), then apply again.", srv.endpoint, ascii, strings.Join(missing, ", "), strings.Join(dom.Features, " ")))
		}
	}
	// Settings create-domain does not take.
	if !resp.Diagnostics.HasError() && plan.Suspended.ValueBool() && (dom == nil || !dom.Disabled) {
		if err := srv.client.Domains.Disable(ctx, ascii, plan.SuspendReason.ValueString()); err != nil {
			vmError(&resp.Diagnostics, srv, "Cannot suspend the new hosting account", domainObject(ascii), err, "")
		}
	}
	if !resp.Diagnostics.HasError() && !plan.PHPVersion.IsUnknown() && !plan.PHPVersion.IsNull() && dom != nil {
		want := plan.PHPVersion.ValueString()
		if dom.PHPVersion != want {
			fresh, err := setPHPVersion(ctx, srv, ascii, dom.PHPExecutionMode, want)
			if err != nil {
				vmError(&resp.Diagnostics, srv, "Cannot set the PHP version of the new hosting account", domainObject(ascii), err, "")
			} else if !phpNotTaken(&resp.Diagnostics, srv.endpoint, ascii, want, fresh) {
				dom = fresh
			}
		}
	}
	if dom != nil && dom.ID != "" && (plan.Suspended.ValueBool() || !plan.PHPVersion.IsUnknown()) {
		if fresh, err := srv.client.Domains.Get(ctx, ascii); err == nil {
			dom = fresh
		}
	}
	srv.domains.Invalidate()
	r.fill(&plan, dom)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// createRequest is the create-domain request of an account as planned
// (config carries the write-only password).
func createRequest(ctx context.Context, ascii string, plan, config *hostingAccountModel) (*virtualmin.CreateDomainRequest, diag.Diagnostics) {
	var features []string
	diags := plan.Features.ElementsAs(ctx, &features, false)
	pass := plan.Password.ValueString()
	if !config.PasswordWO.IsNull() {
		pass = config.PasswordWO.ValueString()
	}
	cr := &virtualmin.CreateDomainRequest{
		Domain:   ascii,
		Pass:     pass,
		Desc:     plan.Description.ValueString(),
		User:     plan.Username.ValueString(),
		Plan:     plan.Plan.ValueString(),
		Template: plan.Template.ValueString(),
		Features: features,
	}
	if !plan.DiskQuotaMB.IsNull() {
		q := quotaLimit(plan.DiskQuotaMB.ValueInt64())
		cr.QuotaBlocks, cr.UserQuotaBlocks = &q, &q
	}
	if !plan.BandwidthLimitMB.IsNull() && plan.BandwidthLimitMB.ValueInt64() > 0 {
		b := plan.BandwidthLimitMB.ValueInt64() * bytesPerMB
		cr.BandwidthBytes = &b
	}
	return cr, diags
}

// fill copies what the server reports into m, keeping the configuration's
// spelling where it means the same (IDN domain, plan or template by ID).
// Computed values left unknown by the plan always become known.
func (r *hostingAccountResource) fill(m *hostingAccountModel, d *virtualmin.Domain) {
	if d == nil || d.ID == "" {
		// Not read back: make the computed values known and empty.
		d = &virtualmin.Domain{}
		if m.Username.IsUnknown() {
			m.Username = types.StringValue("")
		}
	}
	if d.Username != "" || m.Username.IsUnknown() || m.Username.IsNull() {
		m.Username = types.StringValue(d.Username)
	}
	if d.Plan != "" || d.PlanID != "" {
		if m.Plan.IsNull() || m.Plan.IsUnknown() || (m.Plan.ValueString() != d.Plan && m.Plan.ValueString() != d.PlanID) {
			m.Plan = types.StringValue(d.Plan)
		}
	} else if m.Plan.IsUnknown() || m.Plan.IsNull() {
		m.Plan = types.StringValue("")
	}
	if d.Template != "" || d.TemplateID != "" {
		if m.Template.IsNull() || m.Template.IsUnknown() || (m.Template.ValueString() != d.Template && m.Template.ValueString() != d.TemplateID) {
			m.Template = types.StringValue(d.Template)
		}
	} else if m.Template.IsUnknown() || m.Template.IsNull() {
		m.Template = types.StringValue("")
	}
	if d.Description != "" || m.Description.IsUnknown() || m.Description.IsNull() {
		m.Description = types.StringValue(d.Description)
	}
	// features stays what was asked; Read reconciles it with the server.
	m.EnabledFeatures = stringSet(d.Features)
	if d.ID != "" {
		m.Suspended = types.BoolValue(d.Disabled)
		if d.Disabled && !m.SuspendReason.IsNull() {
			m.SuspendReason = types.StringValue(suspendReason(d.DisabledReason))
		}
	}
	if !m.DiskQuotaMB.IsNull() && d.ServerQuotaBlocks != nil {
		m.DiskQuotaMB = limitMB(*d.ServerQuotaBlocks, blocksPerMB)
	}
	if !m.BandwidthLimitMB.IsNull() && d.BandwidthLimitBytes != nil {
		m.BandwidthLimitMB = limitMB(*d.BandwidthLimitBytes, bytesPerMB)
	}
	switch {
	case d.PHPVersion != "":
		m.PHPVersion = types.StringValue(d.PHPVersion)
	case m.PHPVersion.IsUnknown() || m.PHPVersion.IsNull():
		// No PHP version (no website): null, not "", so that a configuration
		// generated from an import (-generate-config-out) is valid.
		m.PHPVersion = types.StringNull()
	}
	if m.RebuiltFrom.IsUnknown() || m.RebuiltFrom.IsNull() {
		m.RebuiltFrom = types.StringValue("")
	}
	m.HomeDirectory = types.StringValue(d.HomeDir)
	m.IPAddress = types.StringValue(plainIP(d.IPAddress))
	m.VirtualminID = types.StringValue(d.ID)
	var used int64
	if d.ServerBytesUsed != nil {
		used = *d.ServerBytesUsed / bytesPerMB
	}
	m.DiskUsedMB = types.Int64Value(used)
}

// plainIP returns the address of Virtualmin's "192.0.2.1 (Shared)".
func plainIP(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	if ip := net.ParseIP(f[0]); ip != nil {
		return ip.String()
	}
	return s
}

// suspendReason extracts why from Virtualmin's "Manually (why)".
func suspendReason(s string) string {
	if strings.HasPrefix(s, "Manually (") && strings.HasSuffix(s, ")") {
		return strings.TrimSuffix(strings.TrimPrefix(s, "Manually ("), ")")
	}
	return s
}

func (r *hostingAccountResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state hostingAccountModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, state.Timeouts.Read, hostingAccountTimeouts.read)
	defer cancel()
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, state.Server.ValueString(), req.Private, resp.Private)...)
	srv, ascii, ok := accountTarget(r.data, &resp.Diagnostics, state.Server.ValueString(), state.Domain.ValueString(), "Invalid domain in state")
	if !ok {
		return
	}
	all, err := srv.domains.Get(ctx)
	if err != nil {
		if keepWhenUnreachable(ctx, resp, srv.endpoint, domainObject(ascii), err) {
			markUnreachable(ctx, resp, srv.endpoint, err)
		} else {
			vmError(&resp.Diagnostics, srv, "Cannot read hosting accounts", domainObject(ascii), err, "")
		}
		return
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateUnreachable, nil)...)
	dom, ok := all[ascii]
	topLevel := dom.Type == "" || dom.Type == virtualmin.DomainTypeTopLevel
	asAsked := topLevel && (state.Username.ValueString() == "" || state.Username.ValueString() == dom.Username)
	if settleCreate(ctx, req, resp, "Server: "+srv.endpoint, "hosting account", domainObject(ascii), ok, asAsked) == settledDropped {
		return
	}
	if ok {
		r.data.accounts.set(ascii, srv.endpoint)
	}
	if !ok {
		// Deleted outside Terraform: the next apply creates it again.
		resp.State.RemoveResource(ctx)
		return
	}
	if !topLevel {
		resp.Diagnostics.AddError("Not a top-level virtual server",
			fmt.Sprintf("Server: %s\nDomain: %s is a %s; praho_hosting_account manages top-level servers only.", srv.endpoint, ascii, dom.Type))
		return
	}
	state.ID = types.StringValue(serverDomainID(srv.endpoint, ascii))
	var auto []string
	if state.Features.IsNull() {
		auto = automaticFeatures(ctx, srv) // imported: what was asked is unknown
	}
	r.fill(&state, &dom)
	state.Features, state.EnabledFeatures = readFeatures(ctx, state.Features, dom.Features, accountFeatures, auto, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *hostingAccountResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state, config hostingAccountModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, plan.Timeouts.Update, hostingAccountTimeouts.update)
	defer cancel()
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, plan.Server.ValueString(), req.Private, resp.Private)...)
	srv, ascii, ok := accountTarget(r.data, &resp.Diagnostics, plan.Server.ValueString(), plan.Domain.ValueString(), "Invalid domain")
	if !ok {
		return
	}
	// The listing learns the account as read back at the end; after a
	// failure it is loaded again.
	var final *virtualmin.Domain
	defer func() {
		if final == nil {
			srv.domains.Invalidate()
			return
		}
		foldMove(srv, []virtualmin.Domain{*final}, nil)
	}()
	if !r.sameEndpoint(plan.Server.ValueString(), state.Server.ValueString()) {
		// The move first; from then on the account is on the new server,
		// and the state says so even if a later step fails.
		dom := r.move(ctx, &plan, &state, &config, &resp.Diagnostics)
		if dom == nil {
			return
		}
		state.Server, state.ID, state.RebuiltFrom = plan.Server, types.StringValue(serverDomainID(srv.endpoint, ascii)), plan.RebuiltFrom
		r.fill(&state, dom)
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateUnreachable, nil)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}

	// Features first: enabled ones may be what later settings (PHP needs
	// web) rely on. Turning on before turning off keeps a dependency (web
	// needs dir) satisfied at every step.
	on, off := featureChanges(setStrings(ctx, state.Features, &resp.Diagnostics), setStrings(ctx, plan.Features, &resp.Diagnostics),
		setStrings(ctx, state.EnabledFeatures, &resp.Diagnostics))
	if len(on) > 0 {
		if err := srv.client.Domains.EnableFeatures(ctx, ascii, on...); err != nil {
			vmError(&resp.Diagnostics, srv, "Cannot enable features of the hosting account ("+strings.Join(on, ", ")+")", domainObject(ascii), err, "")
			return
		}
	}
	if len(off) > 0 {
		if err := srv.client.Domains.DisableFeatures(ctx, ascii, off...); err != nil {
			vmError(&resp.Diagnostics, srv, "Cannot disable features of the hosting account ("+strings.Join(off, ", ")+")", domainObject(ascii), err, "")
			return
		}
	}
	if len(on)+len(off) > 0 {
		// enable-feature reports success when a feature's set-up failed
		// (mysql while MariaDB is down): read back before going on.
		dom, err := srv.client.Domains.Get(ctx, ascii)
		if err != nil {
			vmError(&resp.Diagnostics, srv, "Features changed but the hosting account was not read back", domainObject(ascii), err, "")
			return
		}
		var stillOn []string
		for _, f := range off {
			if slices.Contains(dom.Features, f) {
				stillOn = append(stillOn, f)
			}
		}
		if missing := minus(on, dom.Features); len(missing) > 0 || len(stillOn) > 0 {
			var what []string
			if len(missing) > 0 {
				what = append(what, "it lacks "+strings.Join(missing, ", "))
			}
			if len(stillOn) > 0 {
				what = append(what, "it still has "+strings.Join(stillOn, ", "))
			}
			resp.Diagnostics.AddAttributeError(path.Root("features"), "Features not changed as asked",
				fmt.Sprintf("Server: %s\nDomain: %s\nVirtualmin reported success, but %s (it has: %s). Fix the cause on the "+
					"server (for mysql: is MariaDB running?), then apply again; the next plan shows what is still missing.",
					srv.endpoint, ascii, strings.Join(what, " and "), strings.Join(dom.Features, " ")))
			return
		}
	}

	mod := &virtualmin.ModifyDomainRequest{}
	changed := false
	if !plan.Password.Equal(state.Password) && !plan.Password.IsNull() {
		mod.Pass, changed = plan.Password.ValueString(), true
	}
	if !plan.PasswordWOVersion.Equal(state.PasswordWOVersion) && !config.PasswordWO.IsNull() {
		mod.Pass, changed = config.PasswordWO.ValueString(), true
	}
	if !plan.Description.Equal(state.Description) && plan.Description.ValueString() != "" {
		mod.Desc, changed = plan.Description.ValueString(), true
	}
	if !plan.Plan.Equal(state.Plan) && plan.Plan.ValueString() != "" {
		mod.Plan, changed = plan.Plan.ValueString(), true
	}
	if !plan.DiskQuotaMB.Equal(state.DiskQuotaMB) && !plan.DiskQuotaMB.IsNull() {
		q := quotaLimit(plan.DiskQuotaMB.ValueInt64())
		mod.QuotaBlocks, mod.UserQuotaBlocks, changed = &q, &q, true
	}
	if !plan.BandwidthLimitMB.Equal(state.BandwidthLimitMB) && !plan.BandwidthLimitMB.IsNull() {
		b := bandwidthLimit(plan.BandwidthLimitMB.ValueInt64())
		mod.BandwidthBytes, changed = &b, true
	}
	if changed {
		if err := srv.client.Domains.Modify(ctx, ascii, mod); err != nil {
			vmError(&resp.Diagnostics, srv, "Cannot update hosting account", domainObject(ascii), err, "")
			return
		}
	}

	wantSusp := plan.Suspended.ValueBool()
	reasonChanged := !plan.SuspendReason.Equal(state.SuspendReason)
	switch {
	case wantSusp && !state.Suspended.ValueBool():
		if err := srv.client.Domains.Disable(ctx, ascii, plan.SuspendReason.ValueString()); err != nil {
			vmError(&resp.Diagnostics, srv, "Cannot suspend hosting account", domainObject(ascii), err, "")
			return
		}
	case !wantSusp && state.Suspended.ValueBool():
		if err := srv.client.Domains.Enable(ctx, ascii); err != nil {
			vmError(&resp.Diagnostics, srv, "Cannot enable hosting account", domainObject(ascii), err, "")
			return
		}
	case wantSusp && reasonChanged:
		// The reason is set when disabling: enable, then disable again.
		if err := srv.client.Domains.Enable(ctx, ascii); err != nil {
			vmError(&resp.Diagnostics, srv, "Cannot change the suspension reason", domainObject(ascii), err, "")
			return
		}
		if err := srv.client.Domains.Disable(ctx, ascii, plan.SuspendReason.ValueString()); err != nil {
			vmError(&resp.Diagnostics, srv, "Cannot change the suspension reason", domainObject(ascii), err, "")
			return
		}
	}

	if !plan.PHPVersion.IsUnknown() && !plan.PHPVersion.IsNull() && !plan.PHPVersion.Equal(state.PHPVersion) {
		want := plan.PHPVersion.ValueString()
		cur, err := srv.client.Domains.Get(ctx, ascii)
		if err != nil {
			vmError(&resp.Diagnostics, srv, "Cannot read the hosting account before setting its PHP version", domainObject(ascii), err, "")
			return
		}
		if cur.PHPVersion != want {
			fresh, err := setPHPVersion(ctx, srv, ascii, cur.PHPExecutionMode, want)
			if err != nil {
				vmError(&resp.Diagnostics, srv, "Cannot set the PHP version", domainObject(ascii), err, "")
				return
			}
			if phpNotTaken(&resp.Diagnostics, srv.endpoint, ascii, want, fresh) {
				return
			}
		}
	}

	dom, err := srv.client.Domains.Get(ctx, ascii)
	if err != nil {
		vmError(&resp.Diagnostics, srv, "Hosting account updated but not read back", domainObject(ascii), err, "")
		return
	}
	if !resp.Diagnostics.HasError() {
		final = dom
	}
	plan.ID = types.StringValue(serverDomainID(srv.endpoint, ascii))
	planned := plan.DiskUsedMB
	r.fill(&plan, dom)
	if !planned.IsUnknown() {
		// As planned (the update could not change it); the next refresh
		// reads it.
		plan.DiskUsedMB = planned
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *hostingAccountResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state hostingAccountModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, state.Timeouts.Delete, hostingAccountTimeouts.delete)
	defer cancel()
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, state.Server.ValueString(), req.Private, nil)...)
	srv, ascii, ok := accountTarget(r.data, &resp.Diagnostics, state.Server.ValueString(), state.Domain.ValueString(), "Invalid domain in state")
	if !ok {
		return
	}
	err := srv.client.Domains.Delete(ctx, ascii)
	srv.domains.Invalidate()
	if err != nil && !errors.Is(err, virtualmin.ErrNotFound) {
		vmError(&resp.Diagnostics, srv, "Cannot delete hosting account", domainObject(ascii), err, "")
	}
}

func (r *hostingAccountResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !importServerDomain(ctx, req, resp) {
		return
	}
	// Read fills the rest; what it cannot read (the password) stays null.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("suspended"), false)...)
}
