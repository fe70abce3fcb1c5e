package provider

import (
	"context"
	"errors"
	"fmt"

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
	_ resource.Resource                     = (*mailboxResource)(nil)
	_ resource.ResourceWithConfigure        = (*mailboxResource)(nil)
	_ resource.ResourceWithImportState      = (*mailboxResource)(nil)
	_ resource.ResourceWithConfigValidators = (*mailboxResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*mailboxResource)(nil)
)

// mailboxResource is a Virtualmin mail/FTP user of an account.
type mailboxResource struct{ accountChild }

func newMailboxResource() resource.Resource { return &mailboxResource{} }

type mailboxModel struct {
	ID                types.String   `tfsdk:"id"`
	Server            types.String   `tfsdk:"server"`
	Domain            types.String   `tfsdk:"domain"`
	Name              types.String   `tfsdk:"name"`
	RealName          types.String   `tfsdk:"real_name"`
	Password          types.String   `tfsdk:"password"`
	PasswordWO        types.String   `tfsdk:"password_wo"`
	PasswordWOVersion types.Int64    `tfsdk:"password_wo_version"`
	QuotaMB           types.Int64    `tfsdk:"quota_mb"`
	ForwardTo         types.Set      `tfsdk:"forward_to"`
	KeepLocalCopy     types.Bool     `tfsdk:"keep_local_copy"`
	FTPAccess         types.Bool     `tfsdk:"ftp_access"`
	LoginEnabled      types.Bool     `tfsdk:"login_enabled"`
	Email             types.String   `tfsdk:"email"`
	UnixUsername      types.String   `tfsdk:"unix_username"`
	HomeDirectory     types.String   `tfsdk:"home_directory"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}

func (r *mailboxResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_mailbox"
}

func (r *mailboxResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Version: 0,
		MarkdownDescription: "A mailbox: a Virtualmin mail/FTP user of a hosting account (`create-user`), with its " +
			"forwarding, quota and login rights. Forwarding is set with `modify-user` right after the create " +
			"(Virtualmin's `create-user` has no forwarding flag). Create refuses a user that already exists and " +
			"prints the import command.",
		Attributes: map[string]schema.Attribute{
			"id":     r.idAttribute("`<server>/<domain>/<name>`, the import ID."),
			"server": r.serverAttribute("mailbox"),
			"domain": domainAttribute("Domain of the hosting account the mailbox belongs to (reference the account, "+
				"`praho_hosting_account.<name>.domain`, so Terraform orders creates and deletes). Changing it replaces the mailbox.",
				"Replaces the mailbox when it moves to another account."),
			"name": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Local part of the address (`alice` for alice@example.ro), the user's short name: " +
					"lower-case letters, digits, `.`, `_` and `-`. Virtualmin derives the Unix login from it " +
					"(see `unix_username`). Changing it replaces the mailbox and its mail.",
				Validators:    []validator.String{usernameValidator{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"real_name": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "The user's full name. Virtualmin cannot clear it: removing the attribute keeps " +
					"the server's value.",
				Validators:    []validator.String{stringvalidator.LengthBetween(1, 200), singleLineValidator{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"password": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "Mail/FTP password. Stored in state (sensitive); prefer `password_wo`.",
				Validators:          []validator.String{passwordValidator{}},
			},
			"password_wo": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				WriteOnly: true,
				MarkdownDescription: "Write-only password: sent to Virtualmin, never stored in the plan or state " +
					"(Terraform 1.11 or OpenTofu 1.11 and later). Sent at creation and whenever `password_wo_version` changes.",
				Validators: []validator.String{passwordValidator{}},
			},
			"password_wo_version": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "Change this number to send `password_wo` again.",
				Validators:          []validator.Int64{int64validator.AlsoRequires(path.MatchRoot("password_wo"))},
			},
			"quota_mb": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "Home quota of the user in MiB; `0` means unlimited. Left out, it is not managed. " +
					"Needs home directory quotas on the server: Virtualmin ignores it at creation and refuses any change " +
					"while quotas are off (see Limitations).",
				Validators: []validator.Int64{int64validator.Between(0, 1<<30)},
			},
			"forward_to": schema.SetAttribute{
				Optional:    true,
				Computed:    true,
				ElementType: types.StringType,
				Default:     setdefault.StaticValue(types.SetValueMust(types.StringType, []attr.Value{})),
				MarkdownDescription: "Addresses the user's mail is forwarded to. Empty (the default) delivers mail " +
					"to the mailbox only. A forward added or removed by hand shows in the next plan.",
				Validators: []validator.Set{
					setvalidator.SizeAtMost(100),
					setvalidator.ValueStringsAre(stringvalidator.RegexMatches(forwardAddressRE,
						"must be an e-mail address such as someone@example.org"), singleLineValidator{}),
				},
			},
			"keep_local_copy": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
				MarkdownDescription: "With `forward_to`, whether mail is also delivered to the mailbox (Virtualmin's " +
					"`\\user` forwarding entry). Defaults to `true`. Without forwarding, mail is always delivered locally.",
			},
			"ftp_access": schema.BoolAttribute{
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
				MarkdownDescription: "Whether the user may log in by FTP as well as read mail. Defaults to `false`.",
			},
			"login_enabled": schema.BoolAttribute{
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(true),
				MarkdownDescription: "Whether the user may log in (mail and FTP). Defaults to `true`; `false` disables the user without deleting the mailbox.",
			},
			"email": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The mailbox's primary address.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"unix_username": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The Unix login Virtualmin made for the user (`alice.example`): the IMAP, POP3 and FTP user name.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"home_directory": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Home directory of the user on the server.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"timeouts": mailboxTimeouts.attribute(ctx),
		},
	}
}

func (r *mailboxResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("password"), path.MatchRoot("password_wo")),
		resourcevalidator.Conflicting(path.MatchRoot("password"), path.MatchRoot("password_wo_version")),
	}
}

func (r *mailboxResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.configure(req, resp)
}

// ModifyPlan warns at plan time when a quota is planned on a server whose
// account shows no quota (home directory quotas off): Virtualmin would
// ignore it at creation and refuse it in an update.
func (r *mailboxResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	var plan, state, config mailboxModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	creating := req.State.Raw.IsNull()
	if !creating {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	r.data.checkPasswords(&resp.Diagnostics, creating,
		passwordAttrs{config.Password, config.PasswordWO, config.PasswordWOVersion},
		passwordAttrs{plan.Password, plan.PasswordWO, plan.PasswordWOVersion},
		passwordAttrs{state.Password, state.PasswordWO, state.PasswordWOVersion})
	if !creating {
		r.data.planFollow(ctx, &resp.Diagnostics, followed{plan.Server, plan.Domain}, followed{state.Server, state.Domain}, "mailbox",
			mailboxObject(plan.Domain.ValueString(), plan.Name.ValueString()))
	}
	if ep, ascii, ok := r.data.plannedTarget(plan.Server, plan.Domain); ok && creating && !plan.Name.IsUnknown() {
		name := plan.Name.ValueString()
		r.data.claimCreate(&resp.Diagnostics, path.Root("name"), "mailbox", mailboxObject(ascii, name), "praho_mailbox", mailboxID(ep, ascii, name))
	}
	if resp.Diagnostics.HasError() || plan.QuotaMB.IsNull() || plan.QuotaMB.IsUnknown() ||
		(!creating && plan.QuotaMB.Equal(state.QuotaMB)) || plan.Server.IsUnknown() || plan.Domain.IsUnknown() {
		return
	}
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, plan.Server.ValueString(), req.Private, nil)...)
	srv, err := r.data.virtualminServer(plan.Server.ValueString())
	if err != nil {
		return
	}
	domain, err := virtualmin.ValidateDomainName(plan.Domain.ValueString())
	if err != nil {
		return
	}
	acct, err := lookupAccount(ctx, srv, domain)
	if err != nil || acct == nil || acct.ServerQuotaBlocks != nil {
		return
	}
	what := "Virtualmin will ignore quota_mb when it creates the mailbox."
	if !creating {
		what = "Virtualmin will refuse the quota change, and the apply will fail for it (the other changes are applied)."
	}
	resp.Diagnostics.AddAttributeWarning(path.Root("quota_mb"), "Home directory quotas look off",
		fmt.Sprintf("Server: %s\n%s\nThe account %s reports no quota, so home directory quotas are off on the server. %s "+
			"Turn quotas on, or remove quota_mb.", srv.endpoint, mailboxObject(domain, plan.Name.ValueString()), domain, what))
}

func mailboxID(endpoint, domain, name string) string { return endpoint + "/" + domain + "/" + name }

func mailboxObject(domain, name string) string { return fmt.Sprintf("Mailbox: %s@%s", name, domain) }

// quotasOffHint explains modify-user's refusal of a quota (docs/virtualmin-api.md).
const quotasOffHint = "Virtualmin refuses a mailbox quota while home directory quotas are off on the server (create-user " +
	"ignores it silently, modify-user fails). Turn quotas on for /home (System Settings > Virtualmin Configuration > " +
	"Quotas, after enabling them in the file system), or remove quota_mb from the configuration. The other changes were applied."

func (r *mailboxResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config mailboxModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, plan.Timeouts.Create, mailboxTimeouts.create)
	defer cancel()
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, plan.Server.ValueString(), nil, resp.Private)...)
	srv, domain, ok := accountTarget(r.data, &resp.Diagnostics, plan.Server.ValueString(), plan.Domain.ValueString(), "Invalid domain")
	if !ok {
		return
	}
	name := plan.Name.ValueString()
	obj := mailboxObject(domain, name)
	if acct, err := lookupAccount(ctx, srv, domain); err != nil {
		vmError(&resp.Diagnostics, srv, "Cannot read hosting accounts", obj, err, "")
		return
	} else if acct == nil {
		resp.Diagnostics.AddAttributeError(path.Root("domain"), "Hosting account not found",
			fmt.Sprintf("Server: %s\n%s\nThe account %s does not exist on the server. Create it first: reference it "+
				"(domain = praho_hosting_account.<name>.domain) so Terraform orders the creates.", srv.endpoint, obj, domain))
		return
	}
	pass := plan.Password.ValueString()
	if !config.PasswordWO.IsNull() {
		pass = config.PasswordWO.ValueString()
	}
	cr := &virtualmin.CreateUserRequest{
		Domain:   domain,
		User:     name,
		Pass:     pass,
		RealName: plan.RealName.ValueString(),
		FTP:      plan.FTPAccess.ValueBool(),
	}
	if !plan.QuotaMB.IsNull() {
		q := quotaLimit(plan.QuotaMB.ValueInt64())
		cr.QuotaBlocks = &q
	}
	id := mailboxID(srv.endpoint, domain, name)
	u, err := srv.client.Users.Create(ctx, cr)
	if errors.Is(err, virtualmin.ErrAlreadyExists) && r.data.cfg.Virtualmin.AdoptExisting {
		// Taken as if this create had made it; forwarding and the login
		// are set below as after a create.
		if u = adoptMailbox(ctx, &resp.Diagnostics, srv, cr, &plan, id); u == nil {
			return
		}
		err = nil
	}
	if err != nil {
		if errors.Is(err, virtualmin.ErrAlreadyExists) {
			alreadyExists(&resp.Diagnostics, path.Root("name"), srv, "mailbox", obj, "praho_mailbox", id)
			return
		}
		if errors.Is(err, virtualmin.ErrUnknownOutcome) {
			keepUnsettledCreate(ctx, &resp.Diagnostics, resp.Private, srv, "mailbox", obj, err)
			plan.ID = types.StringValue(mailboxID(srv.endpoint, domain, name))
			fillMailbox(&plan, nil)
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
			return
		}
		if u == nil {
			vmError(&resp.Diagnostics, srv, "Cannot create mailbox", obj, err, "")
			return
		}
		// Created, but the read-back failed: keep it in state so it is not lost.
		vmError(&resp.Diagnostics, srv, "Mailbox created but not read back", obj, err, "")
	}
	plan.ID = types.StringValue(mailboxID(srv.endpoint, domain, name))

	// What create-user cannot take: forwarding and a disabled login.
	forwards := setStrings(ctx, plan.ForwardTo, &resp.Diagnostics)
	mod := &virtualmin.ModifyUserRequest{AddForward: forwards}
	if u != nil {
		mod.AddForward = minus(forwards, u.ForwardTo) // an adopted mailbox may have them
	}
	if len(forwards) > 0 && !plan.KeepLocalCopy.ValueBool() && (u == nil || u.KeepLocalCopy) {
		f := false
		mod.KeepLocalCopy = &f
	}
	if !plan.LoginEnabled.ValueBool() && (u == nil || !u.Disabled) {
		t := true
		mod.Disabled = &t
	}
	if !resp.Diagnostics.HasError() && (len(mod.AddForward) > 0 || mod.KeepLocalCopy != nil || mod.Disabled != nil) {
		if err := srv.client.Users.Modify(ctx, domain, name, mod); err != nil {
			vmError(&resp.Diagnostics, srv, "Mailbox created but its forwarding or login could not be set", obj, err,
				"The mailbox exists and is kept in state, marked for rebuilding; fix the cause and apply again.")
		}
		if fresh, err := srv.client.Users.Get(ctx, domain, name); err == nil {
			u = fresh
		}
	}
	if u != nil && u.UnixUsername != "" && !plan.QuotaMB.IsNull() && u.QuotaBlocks == nil {
		resp.Diagnostics.AddAttributeWarning(path.Root("quota_mb"), "Quota has no effect",
			fmt.Sprintf("Server: %s\n%s\nHome directory quotas are off on the server, so Virtualmin ignored quota_mb. "+
				"The value is kept in state but cannot be enforced or changed until quotas are on.", srv.endpoint, obj))
	}
	fillMailbox(&plan, u)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// fillMailbox copies what the server reports into m. Computed values left
// unknown by the plan always become known.
// adoptMailbox takes the existing mailbox cr asked to create, when
// virtualmin.adopt_existing is set, its account is this provider's and it is
// as the plan asks (adopt.go); otherwise it reports why not and returns nil.
func adoptMailbox(ctx context.Context, diags *diag.Diagnostics, srv *vmServer, cr *virtualmin.CreateUserRequest, plan *mailboxModel, id string) *virtualmin.User {
	obj := mailboxObject(cr.Domain, cr.User)
	u, err := srv.client.Users.Get(ctx, cr.Domain, cr.User)
	if err != nil {
		vmError(diags, srv, "Cannot read the existing mailbox to adopt it", obj, err, "")
		return nil
	}
	var a adoption
	if !accountCreatedByUs(ctx, diags, &a, srv, cr.Domain, obj) {
		return nil
	}
	a.configured("real_name", cr.RealName, u.RealName)
	a.want(u.FTPAccess == cr.FTP, "its FTP access is %t, %t in the configuration", u.FTPAccess, cr.FTP)
	if cr.QuotaBlocks != nil && u.QuotaBlocks != nil {
		a.want(*cr.QuotaBlocks == *u.QuotaBlocks, "its quota is %s blocks, not %s", u.QuotaBlocks, cr.QuotaBlocks)
	}
	if !a.decide(diags, srv, "mailbox", obj, "praho_mailbox", id) {
		return nil
	}
	return u
}

func fillMailbox(m *mailboxModel, u *virtualmin.User) {
	if u == nil || u.UnixUsername == "" {
		u = &virtualmin.User{}
		if m.RealName.IsUnknown() {
			m.RealName = types.StringValue("")
		}
		if m.ForwardTo.IsUnknown() {
			m.ForwardTo = stringSet(nil)
		}
		for _, b := range []*types.Bool{&m.KeepLocalCopy, &m.FTPAccess, &m.LoginEnabled} {
			if b.IsUnknown() {
				*b = types.BoolValue(false)
			}
		}
		m.Email, m.UnixUsername, m.HomeDirectory = types.StringValue(""), types.StringValue(""), types.StringValue("")
		return
	}
	if u.RealName != "" || m.RealName.IsUnknown() || m.RealName.IsNull() {
		m.RealName = types.StringValue(u.RealName)
	}
	m.ForwardTo = stringSet(u.ForwardTo)
	switch {
	case len(u.ForwardTo) > 0:
		m.KeepLocalCopy = types.BoolValue(u.KeepLocalCopy)
	case m.KeepLocalCopy.IsNull() || m.KeepLocalCopy.IsUnknown():
		// Without forwarding the setting is not visible; mail stays local.
		m.KeepLocalCopy = types.BoolValue(true)
	}
	m.FTPAccess = types.BoolValue(u.FTPAccess)
	m.LoginEnabled = types.BoolValue(!u.Disabled)
	if !m.QuotaMB.IsNull() && u.QuotaBlocks != nil {
		m.QuotaMB = limitMB(*u.QuotaBlocks, blocksPerMB)
	}
	m.Email = types.StringValue(u.Email)
	m.UnixUsername = types.StringValue(u.UnixUsername)
	m.HomeDirectory = types.StringValue(u.HomeDir)
}

func (r *mailboxResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state mailboxModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, state.Timeouts.Read, mailboxTimeouts.read)
	defer cancel()
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, state.Server.ValueString(), req.Private, resp.Private)...)
	srv, domain, ok := accountTarget(r.data, &resp.Diagnostics, state.Server.ValueString(), state.Domain.ValueString(), "Invalid domain in state")
	if !ok {
		return
	}
	name := state.Name.ValueString()
	u, err := srv.client.Users.Get(ctx, domain, name)
	if (err == nil || errors.Is(err, virtualmin.ErrNotFound)) &&
		settleCreate(ctx, req, resp, "Server: "+srv.endpoint, "mailbox", mailboxObject(domain, name), err == nil, true) == settledDropped {
		return
	}
	if errors.Is(err, virtualmin.ErrNotFound) {
		// Deleted outside Terraform (or with its account): the plan creates it again.
		removeWithParentGone(ctx, resp, r.data, srv, "Mailbox", mailboxObject(domain, name), "account", domain)
		return
	}
	if err != nil {
		if !keepWhenUnreachable(ctx, resp, srv.endpoint, mailboxObject(domain, name), err) {
			vmError(&resp.Diagnostics, srv, "Cannot read mailbox", mailboxObject(domain, name), err, "")
		}
		return
	}
	state.ID = types.StringValue(mailboxID(srv.endpoint, domain, name))
	fillMailbox(&state, u)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *mailboxResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state, config mailboxModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, plan.Timeouts.Update, mailboxTimeouts.update)
	defer cancel()
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, plan.Server.ValueString(), req.Private, resp.Private)...)
	srv, domain, ok := accountTarget(r.data, &resp.Diagnostics, plan.Server.ValueString(), plan.Domain.ValueString(), "Invalid domain")
	if !ok {
		return
	}
	name := plan.Name.ValueString()
	obj := mailboxObject(domain, name)
	if !r.sameEndpoint(plan.Server.ValueString(), state.Server.ValueString()) {
		_, err := srv.client.Users.Get(ctx, domain, name)
		if !followedAccount(&resp.Diagnostics, srv, state.Server.ValueString(), "mailbox", obj, err == nil, err) {
			return
		}
	}

	mod := &virtualmin.ModifyUserRequest{}
	if !plan.Password.Equal(state.Password) && !plan.Password.IsNull() {
		mod.Pass = plan.Password.ValueString()
	}
	if !plan.PasswordWOVersion.Equal(state.PasswordWOVersion) && !config.PasswordWO.IsNull() {
		mod.Pass = config.PasswordWO.ValueString()
	}
	if !plan.RealName.Equal(state.RealName) && plan.RealName.ValueString() != "" {
		mod.RealName = plan.RealName.ValueString()
	}
	want, have := setStrings(ctx, plan.ForwardTo, &resp.Diagnostics), setStrings(ctx, state.ForwardTo, &resp.Diagnostics)
	mod.DelForward, mod.AddForward = minus(have, want), minus(want, have)
	if len(want) > 0 && (!plan.KeepLocalCopy.Equal(state.KeepLocalCopy) || len(have) == 0) {
		k := plan.KeepLocalCopy.ValueBool()
		mod.KeepLocalCopy = &k
	}
	if !plan.FTPAccess.Equal(state.FTPAccess) {
		f := plan.FTPAccess.ValueBool()
		mod.FTP = &f
	}
	if !plan.LoginEnabled.Equal(state.LoginEnabled) {
		dis := !plan.LoginEnabled.ValueBool()
		mod.Disabled = &dis
	}
	if err := srv.client.Users.Modify(ctx, domain, name, mod); err != nil {
		vmError(&resp.Diagnostics, srv, "Cannot update mailbox", obj, err, "")
		return
	}
	// The quota goes alone: modify-user fails whole while quotas are off,
	// and the other changes must not depend on it.
	if !plan.QuotaMB.IsNull() && !plan.QuotaMB.Equal(state.QuotaMB) {
		q := quotaLimit(plan.QuotaMB.ValueInt64())
		if err := srv.client.Users.Modify(ctx, domain, name, &virtualmin.ModifyUserRequest{QuotaBlocks: &q}); err != nil {
			hint := ""
			var e *virtualmin.Error
			if errors.As(err, &e) && containsFold(e.Reason, "quotas are enabled") {
				hint = quotasOffHint
			}
			vmError(&resp.Diagnostics, srv, "Cannot set the mailbox quota", obj, err, hint)
			plan.QuotaMB = state.QuotaMB
		}
	}
	u, err := srv.client.Users.Get(ctx, domain, name)
	if err != nil {
		vmError(&resp.Diagnostics, srv, "Mailbox updated but not read back", obj, err, "")
		return
	}
	plan.ID = types.StringValue(mailboxID(srv.endpoint, domain, name))
	fillMailbox(&plan, u)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *mailboxResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state mailboxModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, state.Timeouts.Delete, mailboxTimeouts.delete)
	defer cancel()
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, state.Server.ValueString(), req.Private, nil)...)
	srv, domain, ok := accountTarget(r.data, &resp.Diagnostics, state.Server.ValueString(), state.Domain.ValueString(), "Invalid domain in state")
	if !ok {
		return
	}
	name := state.Name.ValueString()
	if err := srv.client.Users.Delete(ctx, domain, name); err != nil && !errors.Is(err, virtualmin.ErrNotFound) {
		vmError(&resp.Diagnostics, srv, "Cannot delete mailbox", mailboxObject(domain, name), err, "")
	}
}

func (r *mailboxResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts := splitImportID(&resp.Diagnostics, req.ID, 3, "<server>/<domain>/<name>, for example vm1.example.ro:10000/example.ro/alice")
	if parts == nil {
		return
	}
	if err := virtualmin.ValidateUsername(parts[2]); err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("server"), parts[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("domain"), parts[1])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), parts[2])...)
	// Read fills the rest; the password cannot be read back and stays null.
}
