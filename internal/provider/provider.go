// Package provider implements the praho Terraform provider.
//
// Every resource states its schema Version. A change that older state cannot
// be read with (a removed or renamed attribute, a new type, a new meaning)
// bumps it and adds an UpgradeState from the version before; see
// upgradeToEnabledFeatures in features.go.
package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

var _ provider.Provider = (*prahoProvider)(nil)

// prahoProvider is the provider's root: its configuration says how to reach the
// Virtualmin servers and the DNS backends; Configure turns it into the shared
// clients every resource of the run uses.
type prahoProvider struct {
	version string
}

// New returns a constructor for the provider, as providerserver.Serve wants.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &prahoProvider{version: version}
	}
}

func (p *prahoProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "praho"
	resp.Version = p.version
}

// providerModel is the provider block as Terraform sends it.
type providerModel struct {
	Virtualmin *virtualminBlock `tfsdk:"virtualmin"`
	PowerDNS   *powerDNSBlock   `tfsdk:"powerdns"`
	Cloudflare *cloudflareBlock `tfsdk:"cloudflare"`
}

type virtualminBlock struct {
	Username              types.String  `tfsdk:"username"`
	Password              types.String  `tfsdk:"password"`
	Port                  types.Int64   `tfsdk:"port"`
	CACertificatePEM      types.String  `tfsdk:"ca_certificate_pem"`
	CertificateSHA256Pins types.Map     `tfsdk:"certificate_sha256_pins"`
	InsecureSkipVerify    types.Bool    `tfsdk:"insecure_skip_verify"`
	RateLimit             types.Float64 `tfsdk:"rate_limit"`
	MaxInFlight           types.Int64   `tfsdk:"max_in_flight"`
	Retries               types.Int64   `tfsdk:"retries"`
	RequestTimeout        types.String  `tfsdk:"request_timeout"`
	Servers               types.Map     `tfsdk:"servers"`
	AdoptExisting         types.Bool    `tfsdk:"adopt_existing"`
	PasswordMinLength     types.Int64   `tfsdk:"password_min_length"`
	BackupStore           *storeBlock   `tfsdk:"backup_store"`
	MoveMethod            types.String  `tfsdk:"move_method"`
}

// storeBlock is virtualmin.backup_store.
type storeBlock struct {
	URL      types.String `tfsdk:"url"`
	Password types.String `tfsdk:"password"`
	HostKey  types.String `tfsdk:"host_key"`
}

// serverBlock is one entry of virtualmin.servers.
type serverBlock struct {
	Username          types.String `tfsdk:"username"`
	Password          types.String `tfsdk:"password"`
	CertificateSHA256 types.String `tfsdk:"certificate_sha256"`
}

type powerDNSBlock struct {
	APIURL   types.String `tfsdk:"api_url"`
	APIKey   types.String `tfsdk:"api_key"`
	ServerID types.String `tfsdk:"server_id"`
}

type cloudflareBlock struct {
	APIToken types.String `tfsdk:"api_token"`
	BaseURL  types.String `tfsdk:"base_url"`
}

func (p *prahoProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Runs a fleet of Virtualmin servers, their hosting accounts and their DNS " +
			"(PowerDNS, Cloudflare) as code. Every setting can also come from an environment variable, " +
			"named in its description; a value in the configuration wins over the environment.",
		Blocks: map[string]schema.Block{
			"virtualmin": schema.SingleNestedBlock{
				MarkdownDescription: "How to reach the Virtualmin servers' remote API (`/virtual-server/remote.cgi`). " +
					"`username` and `password` are the login of every server that `servers` does not list; the policies " +
					"(rate limit, in-flight cap, retries, timeout) apply to each server. The provider keeps one client per " +
					"server endpoint for the whole run, so the rate limit, the in-flight cap and the circuit breaker " +
					"hold across all resources.",
				Attributes: map[string]schema.Attribute{
					"username": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "Webmin user with master-admin rights in Virtualmin. " +
							"Environment: `PRAHO_VIRTUALMIN_USERNAME`.",
						Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
					},
					"password": schema.StringAttribute{
						Optional:            true,
						Sensitive:           true,
						MarkdownDescription: "Password of `username`. Environment: `PRAHO_VIRTUALMIN_PASSWORD`.",
						Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
					},
					"port": schema.Int64Attribute{
						Optional: true,
						MarkdownDescription: fmt.Sprintf("Port used for a server given without one. Defaults to `%d`. ", defaultVirtualminPort) +
							"Environment: `PRAHO_VIRTUALMIN_PORT`.",
						Validators: []validator.Int64{int64validator.Between(1, 65535)},
					},
					"ca_certificate_pem": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "PEM certificate(s) of the authority that signed the servers' TLS certificates, " +
							"used instead of the system roots. Environment: `PRAHO_VIRTUALMIN_CA_CERTIFICATE` " +
							"(the PEM text or the path of a PEM file).",
						Validators: []validator.String{pemValidator{}},
					},
					"certificate_sha256_pins": schema.MapAttribute{
						Optional:    true,
						ElementType: types.StringType,
						MarkdownDescription: "Map of server endpoint (`host:port`) to the SHA-256 fingerprint of its TLS " +
							"certificate (64 hex digits, colons allowed). A pinned server is trusted when, and only when, " +
							"its certificate matches the pin; this suits Virtualmin's self-signed certificates.",
						Validators: []validator.Map{
							mapvalidator.KeysAre(endpointValidator{}),
							mapvalidator.ValueStringsAre(fingerprintValidator{}),
						},
					},
					"servers": schema.MapNestedAttribute{
						Optional: true,
						MarkdownDescription: "One API login per server, for a fleet whose servers each have their own: a map " +
							"keyed by the server's endpoint (`host:port`, or `host` for the default port) as accounts' `server` " +
							"names it. An entry's `username` and `password` default to the block's (or the environment's), so an " +
							"entry may hold only a pin. A move between two servers uses both servers' logins. Keys must be known " +
							"when the provider is configured (literals or variables). A `praho_virtualmin_server` of the same " +
							"configuration needs no entry: its own API user and pin reach the accounts on it.",
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"username": schema.StringAttribute{
								Optional:            true,
								MarkdownDescription: "Webmin user with master-admin rights in Virtualmin on this server.",
								Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
							},
							"password": schema.StringAttribute{
								Optional:            true,
								Sensitive:           true,
								MarkdownDescription: "Password of `username` on this server.",
								Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
							},
							"certificate_sha256": schema.StringAttribute{
								Optional: true,
								MarkdownDescription: "SHA-256 fingerprint of this server's TLS certificate (64 hex digits, colons " +
									"allowed), pinned like an entry of `certificate_sha256_pins`.",
								Validators: []validator.String{fingerprintValidator{}},
							},
						}},
						Validators: []validator.Map{mapvalidator.KeysAre(endpointValidator{})},
					},
					"adopt_existing": schema.BoolAttribute{
						Optional: true,
						MarkdownDescription: "Lets a create take an object that already exists on the server instead of failing, " +
							"when Virtualmin records it as created by this provider's login for that server and its settings " +
							"match the resource (for a mailbox or a database, which have no recorded creator: its account's " +
							"creator). This recovers from an apply that was killed after it created objects and before it " +
							"saved them in the state: run that one apply with `PRAHO_VIRTUALMIN_ADOPT_EXISTING=true`. Each " +
							"object taken is named in a warning; one that does not match fails as without this setting, saying " +
							"what differs. Defaults to `false`. Environment: `PRAHO_VIRTUALMIN_ADOPT_EXISTING`.",
					},
					"password_min_length": schema.Int64Attribute{
						Optional: true,
						MarkdownDescription: fmt.Sprintf("Fewest characters a password of an account or a mailbox may have "+
							"(`password` and `password_wo`), checked at plan time whenever one is to be sent. Defaults to `%d`. "+
							"Environment: `PRAHO_VIRTUALMIN_PASSWORD_MIN_LENGTH`.", defaultPasswordMinLength),
						Validators: []validator.Int64{int64validator.Between(1, 128)},
					},
					"backup_store": schema.SingleNestedAttribute{
						Optional: true,
						MarkdownDescription: "A directory on a host outside the fleet, reached over SSH, that every server can " +
							"write to and read from: moves stage each account's archive there (a backup on the source, a " +
							"restore on the target), and an account whose server is lost is rebuilt from its off-host backup " +
							"there (`praho_hosting_account.rebuild_from`). The servers use it through Virtualmin's own SSH " +
							"backup destinations; give it a login of its own, allowed to write that directory and nothing " +
							"else. Environment: `PRAHO_BACKUP_STORE_URL`, `PRAHO_BACKUP_STORE_PASSWORD`, `PRAHO_BACKUP_STORE_HOST_KEY`.",
						Attributes: map[string]schema.Attribute{
							"url": schema.StringAttribute{
								Optional: true,
								MarkdownDescription: "The directory, as Virtualmin writes SSH destinations: " +
									"`ssh://user@host:/path` or `ssh://user@host:port:/path`, without a password.",
								Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
							},
							"password": schema.StringAttribute{
								Optional:  true,
								Sensitive: true,
								MarkdownDescription: "The SSH password of the store's login. The provider adds it to the " +
									"destination of each backup and restore it asks a server for (Virtualmin's SSH destinations " +
									"take a password, or the server's own keys when none is given), so no state holds it; the " +
									"servers' backup logs do.",
								Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
							},
							"host_key": schema.StringAttribute{
								Optional: true,
								MarkdownDescription: "The store's SSH host key (`ssh-ed25519 AAAA...`) or its fingerprint " +
									"(`SHA256:...`). The provider logs into the store only to check an archive an account " +
									"would be rebuilt from, and verifies the host first; rebuilds need it.",
							},
						},
					},
					"move_method": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "How an account moves when its `server` changes. `backup_store` (the " +
							"default): a backup on the source to `backup_store`, a restore on the target from there; it needs " +
							"no trust between the servers and nothing beyond the API logins the provider has. " +
							"`transfer_with_root_rpc`: Virtualmin's `transfer-domain --webmin` from the source straight to " +
							"the target, which needs the target's API login to be allowed Webmin RPC (`rpc=1` in its " +
							"ACL), and **Webmin RPC can run anything as root on the target**: opt in only if the API logins " +
							"are root-equivalent already. Either way the provider copies, verifies the copy on the target and " +
							"only then deletes the source.",
						Validators: []validator.String{stringvalidator.OneOf(moveViaStore, moveViaRootRPC)},
					},
					"insecure_skip_verify": schema.BoolAttribute{
						Optional: true,
						MarkdownDescription: "**Insecure.** Skips TLS certificate verification for every server. " +
							"Use pins instead. Environment: `PRAHO_VIRTUALMIN_INSECURE`.",
					},
					"rate_limit": schema.Float64Attribute{
						Optional: true,
						MarkdownDescription: "Most calls per second sent to one server (all resources together). " +
							fmt.Sprintf("Defaults to `%g`; `0` means no limit. Environment: `PRAHO_VIRTUALMIN_RATE_LIMIT`.", defaultRateLimit),
						Validators: []validator.Float64{float64validator.AtLeast(0)},
					},
					"max_in_flight": schema.Int64Attribute{
						Optional: true,
						MarkdownDescription: "Most calls running at once on one server. Virtualmin reloads services on " +
							fmt.Sprintf("every write, so a small number is kinder to the server. Defaults to `%d`. Environment: "+
								"`PRAHO_VIRTUALMIN_MAX_IN_FLIGHT`.", defaultMaxInFlight),
						Validators: []validator.Int64{int64validator.Between(1, 64)},
					},
					"retries": schema.Int64Attribute{
						Optional: true,
						MarkdownDescription: "How many times a call is repeated when that is safe: a read after a network " +
							"error, a 5xx answer or no answer within its share of `request_timeout` (`request_timeout` / " +
							"(`retries` + 1)); a write only when it provably never reached the server (a refused connection, " +
							"a failed TLS handshake). A write whose answer was lost (a 5xx, a timeout) is never repeated blindly: " +
							"the provider asks the server what became of it until the server answers, within the operation's " +
							"timeout, and sends a create again only when the object is absent. " +
							fmt.Sprintf("Defaults to `%d`. Environment: `PRAHO_VIRTUALMIN_RETRIES`.", defaultRetries),
						Validators: []validator.Int64{int64validator.Between(0, 20)},
					},
					"request_timeout": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "Time limit of one call, its retries included, as a Go duration (`90s`, `2m`). " +
							fmt.Sprintf("Defaults to `%s`. Virtualmin's create-domain takes 4 to 10 s on a healthy server. ", formatTimeout(defaultRequestTimeout)) +
							"Environment: `PRAHO_VIRTUALMIN_REQUEST_TIMEOUT`.",
						Validators: []validator.String{durationValidator{}},
					},
				},
			},
			"powerdns": schema.SingleNestedBlock{
				MarkdownDescription: "PowerDNS Authoritative HTTP API, used by DNS resources whose backend is `powerdns`.",
				Attributes: map[string]schema.Attribute{
					"api_url": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "Base URL of the API, such as `http://127.0.0.1:8081` " +
							"(the `/api/v1` suffix is optional). Environment: `PDNS_API_URL`.",
						Validators: []validator.String{urlValidator{}},
					},
					"api_key": schema.StringAttribute{
						Optional:            true,
						Sensitive:           true,
						MarkdownDescription: "Value of the `X-API-Key` header. Environment: `PDNS_API_KEY`.",
						Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
					},
					"server_id": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: fmt.Sprintf("PowerDNS server id. Defaults to `%s`. Environment: `PDNS_SERVER_ID`.", defaultPowerDNSServer),
						Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
					},
				},
			},
			"cloudflare": schema.SingleNestedBlock{
				MarkdownDescription: "Cloudflare API v4, used by DNS resources whose backend includes `cloudflare`.",
				Attributes: map[string]schema.Attribute{
					"api_token": schema.StringAttribute{
						Optional:  true,
						Sensitive: true,
						MarkdownDescription: "API token with `Zone:Read` and `DNS:Edit` on the zones managed. " +
							"Environment: `CLOUDFLARE_API_TOKEN`.",
						Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
					},
					"base_url": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: fmt.Sprintf("API base URL, for tests and proxies. Defaults to `%s`. Environment: "+
							"`CLOUDFLARE_BASE_URL`.", defaultCloudflareBase),
						Validators: []validator.String{urlValidator{}},
					},
				},
			},
		},
	}
}

func (p *prahoProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cfg, diags := buildConfig(ctx, &m, osEnv)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if cfg.Virtualmin.InsecureSkipVerify {
		warnInsecure(ctx, &resp.Diagnostics, m.Virtualmin)
	}
	data := newProviderData(cfg)
	data.logCtx = ctx
	resp.ResourceData = data
	resp.DataSourceData = data
}

// warnInsecure says, in the output and in the log, that TLS verification of
// the Virtualmin servers is off: it is never silent.
func warnInsecure(ctx context.Context, diags *diag.Diagnostics, vm *virtualminBlock) {
	const summary = "TLS verification is off for the Virtualmin servers"
	detail := "virtualmin.insecure_skip_verify (or PRAHO_VIRTUALMIN_INSECURE) turns certificate verification off: anyone " +
		"on the network path can impersonate a server and read the Virtualmin password. Pin each server's certificate " +
		"in virtualmin.certificate_sha256_pins instead (`openssl x509 -noout -fingerprint -sha256 -in " +
		"/etc/webmin/miniserv.pem` on the server prints its fingerprint), or trust the CA that signed it with " +
		"virtualmin.ca_certificate_pem."
	tflog.Warn(ctx, summary)
	if vm != nil && !vm.InsecureSkipVerify.IsNull() {
		diags.AddAttributeWarning(path.Root("virtualmin").AtName("insecure_skip_verify"), summary, detail)
		return
	}
	diags.AddWarning(summary, detail)
}

func (p *prahoProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		newDNSRecordResource,
		newDNSZoneResource,
		newHostingAccountResource,
		newMailboxResource,
		newDatabaseResource,
		newDomainAliasResource,
		newSubServerResource,
		newLetsEncryptCertificateResource,
		newPHPSettingsResource,
		newAccountBackupResource,
		newAccountRestoreResource,
		newVirtualminServerResource,
		newPlacementResource,
	}
}

func (p *prahoProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		newHostingAccountsDataSource,
		newServerInfoDataSource,
		newVirtualminServerHealthDataSource,
	}
}
