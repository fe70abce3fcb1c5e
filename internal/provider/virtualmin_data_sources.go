package provider

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

var (
	_ datasource.DataSourceWithConfigure = (*hostingAccountsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*serverInfoDataSource)(nil)
)

func dataSourceServer(data *providerData, diags *diag.Diagnostics, endpoint string) *vmServer {
	if data == nil {
		diags.AddError("Provider not configured", "The provider was not configured before the data source was read. This is a bug in the provider.")
		return nil
	}
	s, err := data.virtualminServer(endpoint)
	if err != nil {
		diags.AddAttributeError(path.Root("server"), "Virtualmin server unavailable", err.Error())
		return nil
	}
	return s
}

// hostingAccountsDataSource lists every top-level virtual server of a server,
// from the same shared list-domains call the resources use.
type hostingAccountsDataSource struct{ data *providerData }

func newHostingAccountsDataSource() datasource.DataSource { return &hostingAccountsDataSource{} }

type hostingAccountsModel struct {
	ID       types.String          `tfsdk:"id"`
	Server   types.String          `tfsdk:"server"`
	Domains  types.List            `tfsdk:"domains"`
	Accounts []hostingAccountEntry `tfsdk:"accounts"`
}

type hostingAccountEntry struct {
	ID            types.String `tfsdk:"id"`
	Domain        types.String `tfsdk:"domain"`
	Username      types.String `tfsdk:"username"`
	Description   types.String `tfsdk:"description"`
	Plan          types.String `tfsdk:"plan"`
	Features      types.List   `tfsdk:"features"`
	Suspended     types.Bool   `tfsdk:"suspended"`
	HomeDirectory types.String `tfsdk:"home_directory"`
	VirtualminID  types.String `tfsdk:"virtualmin_id"`
}

func (d *hostingAccountsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_hosting_accounts"
}

func (d *hostingAccountsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Every hosting account (top-level virtual server) on one Virtualmin server, for example to " +
			"find domains that exist on a server but in no configuration. Costs one `list-domains` call, shared with " +
			"the `praho_hosting_account` resources of the same server.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "The server endpoint (`host:port`)."},
			"server": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The Virtualmin server: `host` or `host:port`.",
				Validators:          []validator.String{endpointValidator{}},
			},
			"domains": schema.ListAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Domains of the accounts, sorted.",
			},
			"accounts": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The accounts, sorted by domain.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":             schema.StringAttribute{Computed: true, MarkdownDescription: "`<server>/<domain>`, the import ID of `praho_hosting_account`."},
					"domain":         schema.StringAttribute{Computed: true, MarkdownDescription: "Domain (ASCII form)."},
					"username":       schema.StringAttribute{Computed: true, MarkdownDescription: "Unix user owning the account."},
					"description":    schema.StringAttribute{Computed: true, MarkdownDescription: "Description."},
					"plan":           schema.StringAttribute{Computed: true, MarkdownDescription: "Account plan."},
					"features":       schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Enabled features."},
					"suspended":      schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the account is suspended."},
					"home_directory": schema.StringAttribute{Computed: true, MarkdownDescription: "Home directory."},
					"virtualmin_id":  schema.StringAttribute{Computed: true, MarkdownDescription: "Virtualmin's own ID."},
				}},
			},
		},
	}
}

func (d *hostingAccountsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	pd, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	d.data = pd
}

func (d *hostingAccountsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m hostingAccountsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	srv := dataSourceServer(d.data, &resp.Diagnostics, m.Server.ValueString())
	if resp.Diagnostics.HasError() {
		return
	}
	all, err := srv.domains.Get(ctx)
	if err != nil {
		vmError(&resp.Diagnostics, srv, "Cannot list hosting accounts", "", err, "")
		return
	}
	names := make([]string, 0, len(all))
	for name, dom := range all {
		if dom.Type == "" || dom.Type == virtualmin.DomainTypeTopLevel {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	m.Accounts = make([]hostingAccountEntry, 0, len(names))
	for _, name := range names {
		dom := all[name]
		feats, diags := types.ListValueFrom(ctx, types.StringType, dom.Features)
		resp.Diagnostics.Append(diags...)
		m.Accounts = append(m.Accounts, hostingAccountEntry{
			ID:            types.StringValue(serverDomainID(srv.endpoint, name)),
			Domain:        types.StringValue(name),
			Username:      types.StringValue(dom.Username),
			Description:   types.StringValue(dom.Description),
			Plan:          types.StringValue(dom.Plan),
			Features:      feats,
			Suspended:     types.BoolValue(dom.Disabled),
			HomeDirectory: types.StringValue(dom.HomeDir),
			VirtualminID:  types.StringValue(dom.ID),
		})
	}
	list, diags := types.ListValueFrom(ctx, types.StringType, names)
	resp.Diagnostics.Append(diags...)
	m.Domains = list
	m.ID = types.StringValue(srv.endpoint)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// serverInfoDataSource reports what a server offers, so that plans,
// templates and PHP versions can be checked against it.
type serverInfoDataSource struct{ data *providerData }

func newServerInfoDataSource() datasource.DataSource { return &serverInfoDataSource{} }

type serverInfoModel struct {
	ID                types.String     `tfsdk:"id"`
	Server            types.String     `tfsdk:"server"`
	Hostname          types.String     `tfsdk:"hostname"`
	VirtualminVersion types.String     `tfsdk:"virtualmin_version"`
	WebminVersion     types.String     `tfsdk:"webmin_version"`
	Plans             []namedIDEntry   `tfsdk:"plans"`
	Templates         []namedIDEntry   `tfsdk:"templates"`
	PHPVersions       []phpVersionInfo `tfsdk:"php_versions"`
	EnabledFeatures   types.List       `tfsdk:"enabled_features"`
	AutomaticFeatures types.List       `tfsdk:"automatic_features"`
}

type namedIDEntry struct {
	ID   types.String `tfsdk:"id"`
	Name types.String `tfsdk:"name"`
}

type phpVersionInfo struct {
	Version     types.String `tfsdk:"version"`
	FullVersion types.String `tfsdk:"full_version"`
	Modes       types.List   `tfsdk:"modes"`
}

func (d *serverInfoDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_virtualmin_server_info"
}

func (d *serverInfoDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	idName := schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
		"id":   schema.StringAttribute{Computed: true, MarkdownDescription: "Virtualmin's ID."},
		"name": schema.StringAttribute{Computed: true, MarkdownDescription: "Name."},
	}}
	resp.Schema = schema.Schema{
		MarkdownDescription: "What a Virtualmin server offers: versions, account plans, server templates, installed " +
			"PHP versions and the features its Virtualmin configuration enables, to validate `plan`, `template`, " +
			"`php_version` and `features` of `praho_hosting_account` at plan time (for example with `contains()` in a " +
			"variable validation or a precondition). The resources check `php_version` and `features` against the " +
			"server by themselves; the data source shares their calls.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "The server endpoint (`host:port`)."},
			"server": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The Virtualmin server: `host` or `host:port`.",
				Validators:          []validator.String{endpointValidator{}},
			},
			"hostname":           schema.StringAttribute{Computed: true, MarkdownDescription: "Host name the server reports."},
			"virtualmin_version": schema.StringAttribute{Computed: true, MarkdownDescription: "Virtualmin version."},
			"webmin_version":     schema.StringAttribute{Computed: true, MarkdownDescription: "Webmin version."},
			"plans":              schema.ListNestedAttribute{Computed: true, NestedObject: idName, MarkdownDescription: "Account plans."},
			"templates":          schema.ListNestedAttribute{Computed: true, NestedObject: idName, MarkdownDescription: "Server templates."},
			"enabled_features": schema.ListAttribute{
				Computed:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Features the server's Virtualmin configuration enables, in Virtualmin's order " +
					"(`list-features`): what `features` of an account, sub-server or alias may contain.",
			},
			"automatic_features": schema.ListAttribute{
				Computed:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Enabled features the server switches on by itself for every new domain that can have " +
					"them (`ssl` and `logrotate` for each domain with a website on a server set up by Virtualmin's installer); " +
					"they show in `enabled_features` of the resources without being asked for.",
			},
			"php_versions": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Installed PHP versions.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"version":      schema.StringAttribute{Computed: true, MarkdownDescription: "Short version, as `php_version` takes it (`8.2`)."},
					"full_version": schema.StringAttribute{Computed: true, MarkdownDescription: "Full version (`8.2.36`)."},
					"modes":        schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Execution modes supported (`fpm`, `fcgid`, `cgi`)."},
				}},
			},
		},
	}
}

func (d *serverInfoDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	pd, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	d.data = pd
}

func (d *serverInfoDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m serverInfoModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	srv := dataSourceServer(d.data, &resp.Diagnostics, m.Server.ValueString())
	if resp.Diagnostics.HasError() {
		return
	}
	info, err := srv.client.System.Info(ctx)
	if err != nil {
		vmError(&resp.Diagnostics, srv, "Cannot read server information", "", err, "")
		return
	}
	plans, err := srv.client.Plans.List(ctx)
	if err != nil {
		vmError(&resp.Diagnostics, srv, "Cannot list account plans", "", err, "")
		return
	}
	tmpls, err := srv.client.Templates.List(ctx)
	if err != nil {
		vmError(&resp.Diagnostics, srv, "Cannot list server templates", "", err, "")
		return
	}
	php, err := srv.phpVersions.Get(ctx)
	if err != nil {
		vmError(&resp.Diagnostics, srv, "Cannot list PHP versions", "", err, "")
		return
	}
	features, err := srv.features.Get(ctx)
	if err != nil {
		vmError(&resp.Diagnostics, srv, "Cannot list the server's features", "", err, "")
		return
	}
	var enabled, automatic []string
	for _, f := range features {
		enabled = append(enabled, f.Name)
		if f.Automatic {
			automatic = append(automatic, f.Name)
		}
	}
	var diags diag.Diagnostics
	m.EnabledFeatures, diags = types.ListValueFrom(ctx, types.StringType, orEmpty(enabled))
	resp.Diagnostics.Append(diags...)
	m.AutomaticFeatures, diags = types.ListValueFrom(ctx, types.StringType, orEmpty(automatic))
	resp.Diagnostics.Append(diags...)
	m.ID = types.StringValue(srv.endpoint)
	m.Hostname = types.StringValue(info.Hostname)
	m.VirtualminVersion = types.StringValue(info.VirtualminVersion)
	m.WebminVersion = types.StringValue(info.WebminVersion)
	m.Plans = make([]namedIDEntry, 0, len(plans))
	for _, p := range plans {
		m.Plans = append(m.Plans, namedIDEntry{ID: types.StringValue(p.ID), Name: types.StringValue(p.Name)})
	}
	m.Templates = make([]namedIDEntry, 0, len(tmpls))
	for _, t := range tmpls {
		m.Templates = append(m.Templates, namedIDEntry{ID: types.StringValue(t.ID), Name: types.StringValue(t.Name)})
	}
	m.PHPVersions = make([]phpVersionInfo, 0, len(php))
	for _, v := range php {
		modes, diags := types.ListValueFrom(ctx, types.StringType, v.Modes)
		resp.Diagnostics.Append(diags...)
		m.PHPVersions = append(m.PHPVersions, phpVersionInfo{
			Version: types.StringValue(v.Version), FullVersion: types.StringValue(v.FullVersion), Modes: modes,
		})
	}
	if m.VirtualminVersion.ValueString() == "" {
		resp.Diagnostics.AddWarning("Virtualmin version unknown",
			fmt.Sprintf("Server %s did not report its Virtualmin version.", srv.endpoint))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// orEmpty gives an empty list where there is none (a known empty value, not
// null, in state).
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
