package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

var (
	_ resource.Resource                   = (*databaseResource)(nil)
	_ resource.ResourceWithConfigure      = (*databaseResource)(nil)
	_ resource.ResourceWithImportState    = (*databaseResource)(nil)
	_ resource.ResourceWithValidateConfig = (*databaseResource)(nil)
)

// databaseResource is a MySQL/MariaDB or PostgreSQL database of an account.
type databaseResource struct{ accountChild }

func newDatabaseResource() resource.Resource { return &databaseResource{} }

type databaseModel struct {
	ID       types.String   `tfsdk:"id"`
	Server   types.String   `tfsdk:"server"`
	Domain   types.String   `tfsdk:"domain"`
	Name     types.String   `tfsdk:"name"`
	Type     types.String   `tfsdk:"type"`
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

var databaseTypes = []string{virtualmin.DatabaseMySQL, virtualmin.DatabasePostgres}

func (r *databaseResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_database"
}

func (r *databaseResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Version: 0,
		MarkdownDescription: "A database of a hosting account (`create-database`), MySQL/MariaDB or PostgreSQL. " +
			"**Destroying this resource drops the database and every table in it** (`delete-database`); so does " +
			"any change that replaces it (account, name or type); a change of server follows the account's move, with the tables. Guard it with `lifecycle { prevent_destroy = true }`.",
		Attributes: map[string]schema.Attribute{
			"id":     r.idAttribute("`<server>/<domain>/<type>/<name>`, the import ID."),
			"server": r.serverAttribute("database with its tables"),
			"domain": domainAttribute("Domain of the hosting account the database belongs to. The account must have the "+
				"feature of the database's type (`mysql` or `postgres`). Changing it replaces the database: the old one is dropped.",
				"Replaces (drops and creates) the database when it moves to another account."),
			"name": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Database name, checked at plan time for its type: MySQL/MariaDB names are 1-64 " +
					"lower-case letters, digits and `_`; PostgreSQL names 1-63 of the same, not starting with a digit. " +
					"Changing it replaces the database: the old one and its data are dropped.",
				Validators:    []validator.String{stringvalidator.LengthBetween(1, 64)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"type": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "`mysql` (MySQL or MariaDB) or `postgres`. Changing it replaces the database: " +
					"the old one and its data are dropped.",
				Validators:    []validator.String{stringvalidator.OneOf(databaseTypes...)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"timeouts": databaseTimeouts.attribute(ctx),
		},
	}
}

// ValidateConfig checks the name for its type at plan time.
func (r *databaseResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var name, typ types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("name"), &name)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("type"), &typ)...)
	if resp.Diagnostics.HasError() || name.IsNull() || name.IsUnknown() || typ.IsNull() || typ.IsUnknown() ||
		!slices.Contains(databaseTypes, typ.ValueString()) {
		return
	}
	if err := virtualmin.ValidateDatabaseName(typ.ValueString(), name.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Invalid database name",
			fmt.Sprintf("%s\n\nVirtualmin would refuse this name for a %s database.", err, typ.ValueString()))
	}
}

func (r *databaseResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.configure(req, resp)
}

// ModifyPlan checks at plan time what the account means for the database:
// a database that stays while the same plan turns its type's feature off on
// the account (Virtualmin drops the databases with it) fails the plan, on
// the database; one to be created in an existing account that lacks the
// feature is a warning, not an error, since the same plan may rebuild the
// account with it.
func (r *databaseResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	var plan databaseModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.Server.IsUnknown() || plan.Domain.IsUnknown() || plan.Type.IsUnknown() || plan.Name.IsUnknown() {
		return
	}
	typ, name := plan.Type.ValueString(), plan.Name.ValueString()
	ep, ascii, ok := r.data.plannedTarget(plan.Server, plan.Domain)
	if !ok {
		return
	}
	obj := databaseObject(ascii, typ, name)
	if !req.State.Raw.IsNull() {
		var prior followed
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("server"), &prior.server)...)
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("domain"), &prior.domain)...)
		r.data.planFollow(ctx, &resp.Diagnostics, followed{plan.Server, plan.Domain}, prior, "database", obj)
		if r.data.featuresOff.turnsOff(serverDomainID(ep, ascii), typ) {
			resp.Diagnostics.AddAttributeError(path.Root("type"), "This plan drops the database",
				fmt.Sprintf("Server: %s\n%s\nThis plan turns %s off for the account %s, and Virtualmin drops the account's %s "+
					"databases with it: this database and its data would be lost, while this resource stays in the "+
					"configuration (and would fail to create it again). To drop it, remove this resource in the same change; "+
					"to keep it, keep %q in the account's features.", ep, obj, typ, ascii, typ, typ))
		}
		return
	}
	r.data.claimCreate(&resp.Diagnostics, path.Root("name"), "database", obj, "praho_database", databaseID(ep, ascii, typ, name))
	srv, err := r.data.virtualminServer(ep)
	if err != nil {
		return
	}
	acct, err := lookupAccount(ctx, srv, ascii)
	if err != nil || acct == nil || acct.HasFeature(typ) {
		return
	}
	resp.Diagnostics.AddAttributeWarning(path.Root("type"), "The account has no "+typ+" feature",
		fmt.Sprintf("Server: %s\n%s\nThe account %s has the features %s, not %s. Unless this plan rebuilds the account "+
			"with %q, creating the database will fail.", srv.endpoint, obj, ascii, strings.Join(acct.Features, ", "), typ, typ))
}

func databaseID(endpoint, domain, typ, name string) string {
	return endpoint + "/" + domain + "/" + typ + "/" + name
}

func databaseObject(domain, typ, name string) string {
	return fmt.Sprintf("Database: %s (%s) of %s", name, typ, domain)
}

func (r *databaseResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan databaseModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, plan.Timeouts.Create, databaseTimeouts.create)
	defer cancel()
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, plan.Server.ValueString(), nil, resp.Private)...)
	srv, domain, ok := accountTarget(r.data, &resp.Diagnostics, plan.Server.ValueString(), plan.Domain.ValueString(), "Invalid domain")
	if !ok {
		return
	}
	name, typ := plan.Name.ValueString(), plan.Type.ValueString()
	obj := databaseObject(domain, typ, name)
	acct, err := lookupAccount(ctx, srv, domain)
	switch {
	case err != nil:
		vmError(&resp.Diagnostics, srv, "Cannot read hosting accounts", obj, err, "")
		return
	case acct == nil:
		resp.Diagnostics.AddAttributeError(path.Root("domain"), "Hosting account not found",
			fmt.Sprintf("Server: %s\n%s\nThe account %s does not exist on the server. Create it first: reference it "+
				"(domain = praho_hosting_account.<name>.domain) so Terraform orders the creates.", srv.endpoint, obj, domain))
		return
	case !acct.HasFeature(typ):
		resp.Diagnostics.AddAttributeError(path.Root("type"), "The account has no "+typ+" feature",
			fmt.Sprintf("Server: %s\n%s\nThe account %s has the features %s, not %s, so Virtualmin cannot create a %s "+
				"database for it. Add %q to the account's features (rebuilding it, or enabling it in Virtualmin), or "+
				"choose a type the account has.", srv.endpoint, obj, domain, strings.Join(acct.Features, ", "), typ, typ, typ))
		return
	}
	id := databaseID(srv.endpoint, domain, typ, name)
	_, err = srv.client.Databases.Create(ctx, domain, typ, name)
	if errors.Is(err, virtualmin.ErrAlreadyExists) && r.data.cfg.Virtualmin.AdoptExisting {
		// A database has nothing to compare but its name and type: its
		// account must be this provider's.
		var a adoption
		if !accountCreatedByUs(ctx, &resp.Diagnostics, &a, srv, domain, obj) || !a.decide(&resp.Diagnostics, srv, "database", obj, "praho_database", id) {
			return
		}
		err = nil
	}
	if err != nil {
		if errors.Is(err, virtualmin.ErrAlreadyExists) {
			alreadyExists(&resp.Diagnostics, path.Root("name"), srv, "database", obj, "praho_database", id)
			return
		}
		if errors.Is(err, virtualmin.ErrUnknownOutcome) {
			keepUnsettledCreate(ctx, &resp.Diagnostics, resp.Private, srv, "database", obj, err)
			plan.ID = types.StringValue(databaseID(srv.endpoint, domain, typ, name))
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
			return
		}
		hint := ""
		if containsFold(err.Error(), "not enabled in this virtual server") {
			hint = fmt.Sprintf("Add %q to the features of the account %s, or choose a type it has.", typ, domain)
		}
		vmError(&resp.Diagnostics, srv, "Cannot create database", obj, err, hint)
		return
	}
	plan.ID = types.StringValue(databaseID(srv.endpoint, domain, typ, name))
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *databaseResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state databaseModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, state.Server.ValueString(), req.Private, resp.Private)...)
	srv, domain, ok := accountTarget(r.data, &resp.Diagnostics, state.Server.ValueString(), state.Domain.ValueString(), "Invalid domain in state")
	if !ok {
		return
	}
	name, typ := state.Name.ValueString(), state.Type.ValueString()
	_, err := srv.client.Databases.Get(ctx, domain, typ, name)
	if (err == nil || errors.Is(err, virtualmin.ErrNotFound)) &&
		settleCreate(ctx, req, resp, "Server: "+srv.endpoint, "database", databaseObject(domain, typ, name), err == nil, true) == settledDropped {
		return
	}
	if errors.Is(err, virtualmin.ErrNotFound) {
		removeWithParentGone(ctx, resp, r.data, srv, "Database", databaseObject(domain, typ, name), "account", domain)
		return
	}
	if err != nil {
		if !keepWhenUnreachable(ctx, resp, srv.endpoint, databaseObject(domain, typ, name), err) {
			vmError(&resp.Diagnostics, srv, "Cannot read database", databaseObject(domain, typ, name), err, "")
		}
		return
	}
	state.ID = types.StringValue(databaseID(srv.endpoint, domain, typ, name))
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update changes timeouts, and follows the account to its new server; every
// other attribute replaces the database.
func (r *databaseResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state databaseModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, plan.Server.ValueString(), req.Private, resp.Private)...)
	if !r.sameEndpoint(plan.Server.ValueString(), state.Server.ValueString()) {
		srv, domain, ok := accountTarget(r.data, &resp.Diagnostics, plan.Server.ValueString(), plan.Domain.ValueString(), "Invalid domain")
		if !ok {
			return
		}
		typ, name := plan.Type.ValueString(), plan.Name.ValueString()
		_, err := srv.client.Databases.Get(ctx, domain, typ, name)
		if !followedAccount(&resp.Diagnostics, srv, state.Server.ValueString(), "database", databaseObject(domain, typ, name), err == nil, err) {
			return
		}
		plan.ID = types.StringValue(databaseID(srv.endpoint, domain, typ, name))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *databaseResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state databaseModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, state.Timeouts.Delete, databaseTimeouts.delete)
	defer cancel()
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, state.Server.ValueString(), req.Private, nil)...)
	srv, domain, ok := accountTarget(r.data, &resp.Diagnostics, state.Server.ValueString(), state.Domain.ValueString(), "Invalid domain in state")
	if !ok {
		return
	}
	name, typ := state.Name.ValueString(), state.Type.ValueString()
	if err := srv.client.Databases.Delete(ctx, domain, typ, name); err != nil && !errors.Is(err, virtualmin.ErrNotFound) {
		vmError(&resp.Diagnostics, srv, "Cannot drop database", databaseObject(domain, typ, name), err, "")
	}
}

func (r *databaseResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts := splitImportID(&resp.Diagnostics, req.ID, 4, "<server>/<domain>/<type>/<name>, for example vm1.example.ro:10000/example.ro/mysql/shop")
	if parts == nil {
		return
	}
	if err := virtualmin.ValidateDatabaseName(parts[2], parts[3]); err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("server"), parts[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("domain"), parts[1])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("type"), parts[2])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), parts[3])...)
}
