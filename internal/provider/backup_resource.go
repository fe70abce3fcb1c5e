package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// Backups are one-off operations, so both resources run theirs on create
// and again whenever an argument or a trigger changes (replacement); see the
// resource docs for why this form rather than a schedule or an action.

var (
	_ resource.Resource              = (*accountBackupResource)(nil)
	_ resource.ResourceWithConfigure = (*accountBackupResource)(nil)
	_ resource.Resource              = (*accountRestoreResource)(nil)
	_ resource.ResourceWithConfigure = (*accountRestoreResource)(nil)
)

// backupFeatureRE is the shape of a Virtualmin feature name (plugins have
// names such as virtualmin-nginx).
var backupFeatureRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)

// backupCommon is what the backup and restore resources share.
type backupCommon struct {
	data *providerData
}

func (b *backupCommon) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	b.data = d
}

// backupPathValidator accepts a path on the server or a destination URL that
// backup-domain takes (ssh://, ftp://, s3://, ...), on one line.
type backupPathValidator struct{}

func (backupPathValidator) Description(context.Context) string {
	return "an absolute path on the server, or a backup-domain destination such as ssh://user@host:/path"
}
func (v backupPathValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (backupPathValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	switch {
	case strings.ContainsAny(s, "\r\n\x00"):
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid backup path", "The path must be on one line.")
	case !strings.HasPrefix(s, "/") && !strings.Contains(s, "://"):
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid backup path",
			fmt.Sprintf("%q is neither an absolute path on the server (/var/backups/virtualmin/example.tar.gz) nor a destination URL (ssh://user@host:/path).", s))
	case strings.HasSuffix(s, "/"):
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid backup path",
			fmt.Sprintf("%q names a directory; name the archive file (for example %sexample.tar.gz).", s, s))
	}
}

func backupSchemaCommon(ctx context.Context, verb string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"id": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "`<server>/<domain>@<completed_at>`: one run of the operation.",
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"server": schema.StringAttribute{
			Required: true,
			MarkdownDescription: "The Virtualmin server: `host` or `host:port`. Changing it follows the account to its new " +
				"server (`praho_hosting_account.<name>.server`), in place: the record is kept and no " + verb + " runs.",
			Validators: []validator.String{endpointValidator{}},
		},
		"domain": schema.StringAttribute{
			Required:            true,
			MarkdownDescription: "The account's domain. Changing it runs the " + verb + " again for the new domain.",
			Validators:          []validator.String{domainNameValidator{}},
			PlanModifiers:       []planmodifier.String{requiresReplaceIfMeaningChanges(sameDomain, "Runs the "+verb+" again for the new domain.")},
		},
		"features": schema.SetAttribute{
			Optional:    true,
			ElementType: types.StringType,
			MarkdownDescription: "Only these Virtualmin features (`" + strings.Join(accountFeatures, "`, `") + "`, ...). " +
				"All features when left out. Changing them runs the " + verb + " again.",
			Validators: []validator.Set{
				setvalidator.SizeAtLeast(1),
				setvalidator.ValueStringsAre(stringvalidator.RegexMatches(backupFeatureRE, "must be a Virtualmin feature name")),
			},
			PlanModifiers: []planmodifier.Set{setplanmodifier.RequiresReplace()},
		},
		"triggers": schema.MapAttribute{
			Optional:    true,
			ElementType: types.StringType,
			MarkdownDescription: "Arbitrary values; changing any of them runs the " + verb + " again (for example " +
				"`{ run = \"2026-11-26\" }`, or a value from another resource).",
			PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
		},
		"completed_at": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "When the " + verb + " finished (RFC 3339, UTC).",
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"summary": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "Virtualmin's closing line for the run (for a backup: `Backup completed successfully. Final size was ...`).",
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"timeouts": backupTimeouts.attribute(ctx),
	}
}

// backupSummary picks the line that sums up a run's output.
func backupSummary(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if strings.Contains(l, "completed successfully") || strings.HasPrefix(l, "Backup completed") {
			return l
		}
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" && l != ".. done" {
			return strings.TrimPrefix(l, ".. ")
		}
	}
	return ""
}

// backupOperationError reports a failed backup or restore: when the program
// ran and refused, with what to do about what it said.
func backupOperationError(diags *diag.Diagnostics, srv *vmServer, action, domain, where string, err error) {
	hint := ""
	if reason, ok := programRefusal(err); ok {
		hint = "Fix the cause on the server, then apply again."
		switch {
		case strings.Contains(reason, "does not exist") && strings.Contains(reason, "Restore file"):
			hint = "There is no archive at that path on the server. Check the path (and that the backup ran on this server)."
		case strings.Contains(reason, "for writing"):
			hint = "The server cannot write the archive there: create the directory (root-owned, mode 700) or pick another path."
		case strings.Contains(reason, "does not exist"), errors.Is(err, virtualmin.ErrNotFound):
			hint = "The account does not exist on this server."
		}
	}
	vmError(diags, srv, action, domainObject(domain)+"\nPath: "+where, err, hint)
}

// ---------------------------------------------------------------- backup

// accountBackupResource backs an account up to a path on its server when
// created and whenever an argument or trigger changes.
type accountBackupResource struct{ backupCommon }

func newAccountBackupResource() resource.Resource { return &accountBackupResource{} }

type accountBackupModel struct {
	ID           types.String   `tfsdk:"id"`
	Server       types.String   `tfsdk:"server"`
	Domain       types.String   `tfsdk:"domain"`
	Destination  types.String   `tfsdk:"destination"`
	Features     types.Set      `tfsdk:"features"`
	Triggers     types.Map      `tfsdk:"triggers"`
	CompletedAt  types.String   `tfsdk:"completed_at"`
	Summary      types.String   `tfsdk:"summary"`
	VirtualminID types.String   `tfsdk:"virtualmin_id"`
	Timeouts     timeouts.Value `tfsdk:"timeouts"`
}

func (r *accountBackupResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_account_backup"
}

func (r *accountBackupResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := backupSchemaCommon(ctx, "backup")
	attrs["destination"] = schema.StringAttribute{
		Required: true,
		MarkdownDescription: "Where to write the archive: an absolute path on the server (`/var/backups/virtualmin/example.ro.tar.gz`) " +
			"or a destination backup-domain accepts (`ssh://user@host:/path`, `s3://bucket/path`). An existing archive there is " +
			"overwritten. Changing it runs the backup again.",
		Validators:    []validator.String{backupPathValidator{}},
		PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
	}
	attrs["virtualmin_id"] = schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: "Virtualmin's ID of the account backed up; a restore brings the account back with this ID.",
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
	resp.Schema = schema.Schema{
		Version: 0,
		MarkdownDescription: "A backup of one hosting account (Virtualmin's `backup-domain`), run when the resource is created " +
			"and again whenever `destination`, `features` or `triggers` change. Destroying the resource keeps the archive.",
		Attributes: attrs,
	}
}

func (r *accountBackupResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan accountBackupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, plan.Timeouts.Create, backupTimeouts.create)
	defer cancel()
	srv, ascii, ok := accountTarget(r.data, &resp.Diagnostics, plan.Server.ValueString(), plan.Domain.ValueString(), "Invalid domain")
	if !ok {
		return
	}
	dom, err := srv.client.Domains.Get(ctx, ascii)
	if err != nil {
		if errors.Is(err, virtualmin.ErrNotFound) {
			resp.Diagnostics.AddAttributeError(path.Root("domain"), "Hosting account not found",
				fmt.Sprintf("Server: %s\nDomain: %s does not exist on the server, so there is nothing to back up. Create it "+
					"first (reference praho_hosting_account.<name>.domain so Terraform orders the two).", srv.endpoint, ascii))
			return
		}
		vmError(&resp.Diagnostics, srv, "Cannot read the hosting account", domainObject(ascii), err, "")
		return
	}
	dest := plan.Destination.ValueString()
	out, err := srv.client.Backups.Backup(ctx, ascii, r.data.cfg.Virtualmin.Store.withPassword(dest), &virtualmin.BackupOptions{Features: setStrings(ctx, plan.Features, &resp.Diagnostics)})
	if err != nil {
		backupOperationError(&resp.Diagnostics, srv, "Backup failed", ascii, dest, err)
		return
	}
	now := time.Now().UTC().Format(time.RFC3339)
	plan.ID = types.StringValue(serverDomainID(srv.endpoint, ascii) + "@" + now)
	plan.CompletedAt = types.StringValue(now)
	plan.Summary = types.StringValue(backupSummary(out))
	plan.VirtualminID = types.StringValue(dom.ID)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read keeps the record: the archive outlives the account, and Virtualmin's
// remote API has no program that lists or checks archives.
func (r *accountBackupResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state accountBackupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
}

func (r *accountBackupResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	// Every argument replaces; only timeouts can change in place.
	var plan accountBackupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete keeps the archive: destroying a record of a backup must not
// destroy the backup.
func (r *accountBackupResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state accountBackupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
}

// ---------------------------------------------------------------- restore

// accountRestoreResource restores an account from an archive on its server
// when created, and again when an argument or trigger changes or the
// account has gone.
type accountRestoreResource struct{ backupCommon }

func newAccountRestoreResource() resource.Resource { return &accountRestoreResource{} }

type accountRestoreModel struct {
	ID             types.String   `tfsdk:"id"`
	Server         types.String   `tfsdk:"server"`
	Domain         types.String   `tfsdk:"domain"`
	Source         types.String   `tfsdk:"source"`
	Features       types.Set      `tfsdk:"features"`
	ExceptFeatures types.Set      `tfsdk:"except_features"`
	Triggers       types.Map      `tfsdk:"triggers"`
	CompletedAt    types.String   `tfsdk:"completed_at"`
	Summary        types.String   `tfsdk:"summary"`
	VirtualminID   types.String   `tfsdk:"virtualmin_id"`
	Timeouts       timeouts.Value `tfsdk:"timeouts"`
}

func (r *accountRestoreResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_account_restore"
}

func (r *accountRestoreResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := backupSchemaCommon(ctx, "restore")
	attrs["source"] = schema.StringAttribute{
		Required:            true,
		MarkdownDescription: "The archive to restore: an absolute path on the server, as `praho_account_backup.destination` wrote it. Changing it restores again.",
		Validators:          []validator.String{backupPathValidator{}},
		PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
	}
	attrs["except_features"] = schema.SetAttribute{
		Optional:            true,
		ElementType:         types.StringType,
		MarkdownDescription: "Features not to restore (for example `mysql`). Only with all features (no `features`). Changing them restores again.",
		Validators: []validator.Set{
			setvalidator.SizeAtLeast(1),
			setvalidator.ValueStringsAre(stringvalidator.RegexMatches(backupFeatureRE, "must be a Virtualmin feature name")),
			setvalidator.ConflictsWith(path.MatchRoot("features")),
		},
		PlanModifiers: []planmodifier.Set{setplanmodifier.RequiresReplace()},
	}
	attrs["virtualmin_id"] = schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: "Virtualmin's ID of the account after the restore (the ID it had when backed up).",
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
	resp.Schema = schema.Schema{
		Version: 0,
		MarkdownDescription: "A restore of one hosting account from a backup archive on its server (Virtualmin's " +
			"`restore-domain`). It runs when the resource is created, and again when `source`, `features`, " +
			"`except_features` or `triggers` change, or when the account has gone from the server (the plan then " +
			"shows the restore again). An account that exists gets the archive's content restored into it. " +
			"Destroying the resource changes nothing on the server.",
		Attributes: attrs,
	}
}

func (r *accountRestoreResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan accountRestoreModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, plan.Timeouts.Create, backupTimeouts.create)
	defer cancel()
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, plan.Server.ValueString(), nil, resp.Private)...)
	srv, ascii, ok := accountTarget(r.data, &resp.Diagnostics, plan.Server.ValueString(), plan.Domain.ValueString(), "Invalid domain")
	if !ok {
		return
	}
	src := plan.Source.ValueString()
	// restore-domain reads its arguments in order: the SDK sends
	// except-feature after all-features (282).
	out, err := srv.client.Backups.Restore(ctx, r.data.cfg.Virtualmin.Store.withPassword(src), ascii, &virtualmin.BackupOptions{
		Features:       setStrings(ctx, plan.Features, &resp.Diagnostics),
		ExceptFeatures: setStrings(ctx, plan.ExceptFeatures, &resp.Diagnostics),
	})
	srv.domains.Invalidate()
	if err != nil {
		backupOperationError(&resp.Diagnostics, srv, "Restore failed", ascii, src, err)
		return
	}
	dom, err := srv.client.Domains.Get(ctx, ascii)
	if err != nil {
		if errors.Is(err, virtualmin.ErrNotFound) {
			resp.Diagnostics.AddError("Restore did not bring the account back",
				fmt.Sprintf("Server: %s\nDomain: %s\nPath: %s\nVirtualmin reported success, but the account is not on the server: "+
					"the archive probably holds other domains. Check the archive (restore-domain --test).", srv.endpoint, ascii, src))
			return
		}
		vmError(&resp.Diagnostics, srv, "Restored, but the account was not read back", domainObject(ascii), err, "")
		return
	}
	now := time.Now().UTC().Format(time.RFC3339)
	plan.ID = types.StringValue(serverDomainID(srv.endpoint, ascii) + "@" + now)
	plan.CompletedAt = types.StringValue(now)
	plan.Summary = types.StringValue(backupSummary(out))
	plan.VirtualminID = types.StringValue(dom.ID)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read drops the record when the restored account has gone, so the next
// plan restores it again.
func (r *accountRestoreResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state accountRestoreModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, state.Server.ValueString(), req.Private, resp.Private)...)
	srv, ascii, ok := accountTarget(r.data, &resp.Diagnostics, state.Server.ValueString(), state.Domain.ValueString(), "Invalid domain in state")
	if !ok {
		return
	}
	all, err := srv.domains.Get(ctx)
	if err != nil {
		if !keepWhenUnreachable(ctx, resp, srv.endpoint, domainObject(ascii), err) {
			vmError(&resp.Diagnostics, srv, "Cannot read the restored account", domainObject(ascii), err, "")
		}
		return
	}
	if _, ok := all[ascii]; !ok {
		resp.State.RemoveResource(ctx)
	}
}

func (r *accountRestoreResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan accountRestoreModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete changes nothing: the restored account is managed elsewhere (or not
// at all), and undoing a restore is not something Virtualmin can do.
func (r *accountRestoreResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state accountRestoreModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
}
