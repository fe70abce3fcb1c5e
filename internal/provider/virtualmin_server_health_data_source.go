package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/praho/terraform-provider-praho/sdk/bootstrap"
)

var (
	_ datasource.DataSource              = (*virtualminServerHealthDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*virtualminServerHealthDataSource)(nil)
)

// virtualminServerHealthDataSource checks a Virtualmin server's health over
// its remote API, for Terraform check blocks: a scheduled plan in CI becomes
// the fleet's health monitor.
type virtualminServerHealthDataSource struct {
	data *providerData
}

func newVirtualminServerHealthDataSource() datasource.DataSource {
	return &virtualminServerHealthDataSource{}
}

type virtualminServerHealthModel struct {
	Endpoint             types.String `tfsdk:"endpoint"`
	TLSFingerprintSHA256 types.String `tfsdk:"tls_fingerprint_sha256"`
	Status               types.String `tfsdk:"status"`
	Healthy              types.Bool   `tfsdk:"healthy"`
	Checks               types.List   `tfsdk:"checks"`
	Summary              types.String `tfsdk:"summary"`
	VirtualminVersion    types.String `tfsdk:"virtualmin_version"`
	WebminVersion        types.String `tfsdk:"webmin_version"`
	CheckedAt            types.String `tfsdk:"checked_at"`
}

func (d *virtualminServerHealthDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_virtualmin_server_health"
}

func (d *virtualminServerHealthDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Health of a Virtualmin server, checked over its remote API every time it is read: whether " +
			"Webmin answers, the API user logs in, has the rights the provider needs and no more, and the programs the " +
			"provider uses exist. Meant for `check` blocks, so that a scheduled `plan` warns when a server is not healthy. " +
			"Each call may take the provider's `virtualmin.request_timeout`; one that takes longer makes its check `warn` " +
			"that the server is slow, rather than fail. " +
			"A server managed by `praho_virtualmin_server` in the same configuration is reached with the pin and API user " +
			"that resource set up; any other with the provider's `virtualmin` settings.",
		Attributes: map[string]schema.Attribute{
			"endpoint": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The server: `host` or `host:port` (the provider's `virtualmin.port` when left out), such as `praho_virtualmin_server.x.id`.",
				Validators:          []validator.String{endpointValidator{}},
			},
			"tls_fingerprint_sha256": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Pin for the server's certificate, when neither the provider nor a `praho_virtualmin_server` gives one.",
				Validators:          []validator.String{fingerprintValidator{}, stringvalidator.LengthAtLeast(1)},
			},
			"status":             schema.StringAttribute{Computed: true, MarkdownDescription: "`healthy`, `degraded` or `unavailable`."},
			"healthy":            schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether `status` is `healthy`, for a check's `condition`."},
			"summary":            schema.StringAttribute{Computed: true, MarkdownDescription: "The report in words, one line per check, for a check's `error_message`."},
			"virtualmin_version": schema.StringAttribute{Computed: true, MarkdownDescription: "Virtualmin's version."},
			"webmin_version":     schema.StringAttribute{Computed: true, MarkdownDescription: "Webmin's version."},
			"checked_at":         schema.StringAttribute{Computed: true, MarkdownDescription: "When the checks ran (RFC 3339)."},
			"checks": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "One entry per check, in report order.",
				NestedObject:        schema.NestedAttributeObject{Attributes: healthCheckDataSourceAttributes()},
			},
		},
	}
}

func (d *virtualminServerHealthDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	pd, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	d.data = pd
}

func (d *virtualminServerHealthDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m virtualminServerHealthModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || d.data == nil {
		return
	}
	cfg := d.data.cfg.Virtualmin
	endpoint, err := normalizeEndpoint(m.Endpoint.ValueString(), cfg.Port)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Invalid endpoint", err.Error())
		return
	}
	a := d.data.access(endpoint)
	opts := bootstrap.HealthOptions{
		Endpoint:             "https://" + endpoint,
		APIUser:              a.user,
		APIPassword:          a.password,
		TLSFingerprintSHA256: a.pin,
		CACertPEM:            cfg.CACertificatePEM,
		// A check that runs out of it says the server is slow.
		Timeout: cfg.RequestTimeout,
	}
	if opts.TLSFingerprintSHA256 == "" {
		opts.TLSFingerprintSHA256 = m.TLSFingerprintSHA256.ValueString()
	}
	if opts.TLSFingerprintSHA256 != "" {
		opts.CACertPEM = nil
	}
	opts.InsecureSkipVerify = cfg.InsecureSkipVerify && opts.TLSFingerprintSHA256 == ""
	ctx = tflog.MaskMessageStrings(ctx, opts.APIPassword)
	h, err := bootstrap.New(nil).Health(ctx, opts)
	if err != nil {
		resp.Diagnostics.AddError("Cannot check the server's health", fmt.Sprintf("Server: %s\n%s", endpoint, err))
		return
	}
	m.Status = types.StringValue(string(h.Status))
	m.Healthy = types.BoolValue(h.Status == bootstrap.Healthy)
	m.Summary = types.StringValue(h.String())
	m.VirtualminVersion = types.StringValue(h.VirtualminVersion)
	m.WebminVersion = types.StringValue(h.WebminVersion)
	m.CheckedAt = types.StringValue(h.CheckedAt.UTC().Format(time.RFC3339))
	list, diags := healthChecksValue(h)
	resp.Diagnostics.Append(diags...)
	m.Checks = list
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// healthCheckDataSourceAttributes are the fields of an entry of checks.
func healthCheckDataSourceAttributes() map[string]schema.Attribute {
	attrs := make(map[string]schema.Attribute, len(healthCheckFieldDocs))
	for name, doc := range healthCheckFieldDocs {
		attrs[name] = schema.StringAttribute{Computed: true, MarkdownDescription: doc}
	}
	return attrs
}
