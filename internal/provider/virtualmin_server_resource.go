package provider

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/praho/terraform-provider-praho/sdk/bootstrap"
	"github.com/praho/terraform-provider-praho/sdk/ssh"
)

var (
	_ resource.Resource                     = (*virtualminServerResource)(nil)
	_ resource.ResourceWithConfigure        = (*virtualminServerResource)(nil)
	_ resource.ResourceWithImportState      = (*virtualminServerResource)(nil)
	_ resource.ResourceWithConfigValidators = (*virtualminServerResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*virtualminServerResource)(nil)
	_ resource.ResourceWithValidateConfig   = (*virtualminServerResource)(nil)
)

// webminPort is where Virtualmin's installer makes Webmin listen.
const webminPort = 10000

var (
	sshFingerprintRe = regexp.MustCompile(`^SHA256:[A-Za-z0-9+/]{43}=?$`)
	hostnameRe       = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\.?$`)
	webminUserRe     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$`)
)

// hostRoots maps a host address to the directory standing for "/" on it
// (bootstrap.WithRoot). Only tests fill it: bootstraptest's bare hosts keep
// their file system under a scratch directory. In use it is empty and every
// step works on the host's real "/".
var hostRoots sync.Map

// virtualminServerResource is a host made a Virtualmin server over SSH.
type virtualminServerResource struct {
	data *providerData
}

func newVirtualminServerResource() resource.Resource { return &virtualminServerResource{} }

type virtualminServerModel struct {
	ID                   types.String          `tfsdk:"id"`
	Name                 types.String          `tfsdk:"name"`
	Address              types.String          `tfsdk:"address"`
	Hostname             types.String          `tfsdk:"hostname"`
	SSH                  *serverSSHBlock       `tfsdk:"ssh"`
	Install              *serverInstallBlock   `tfsdk:"install"`
	APIUser              types.String          `tfsdk:"api_user"`
	APIPassword          types.String          `tfsdk:"api_password"`
	APIPasswordWO        types.String          `tfsdk:"api_password_wo"`
	APIPasswordWOVersion types.Int64           `tfsdk:"api_password_wo_version"`
	APIAllowFrom         types.List            `tfsdk:"api_allow_from"`
	Hardening            *serverHardeningBlock `tfsdk:"hardening"`
	Capacity             types.Int64           `tfsdk:"capacity"`
	Tags                 types.Map             `tfsdk:"tags"`
	UninstallOnDestroy   types.Bool            `tfsdk:"uninstall_on_destroy"`
	Timeouts             timeouts.Value        `tfsdk:"timeouts"`

	TLSFingerprintSHA256 types.String `tfsdk:"tls_fingerprint_sha256"`
	VirtualminVersion    types.String `tfsdk:"virtualmin_version"`
	WebminVersion        types.String `tfsdk:"webmin_version"`
	Status               types.String `tfsdk:"status"`
	HealthChecks         types.List   `tfsdk:"health_checks"`
	CheckedAt            types.String `tfsdk:"checked_at"`
}

type serverSSHBlock struct {
	User                   types.String        `tfsdk:"user"`
	Port                   types.Int64         `tfsdk:"port"`
	PrivateKey             types.String        `tfsdk:"private_key"`
	PrivateKeyWO           types.String        `tfsdk:"private_key_wo"`
	PrivateKeyWOVersion    types.Int64         `tfsdk:"private_key_wo_version"`
	PrivateKeyFile         types.String        `tfsdk:"private_key_file"`
	PrivateKeyPassphrase   types.String        `tfsdk:"private_key_passphrase"`
	PrivateKeyPassphraseWO types.String        `tfsdk:"private_key_passphrase_wo"`
	UseAgent               types.Bool          `tfsdk:"use_agent"`
	AgentSocket            types.String        `tfsdk:"agent_socket"`
	HostKey                types.String        `tfsdk:"host_key"`
	HostKeySHA256          types.String        `tfsdk:"host_key_sha256"`
	KnownHostsFile         types.String        `tfsdk:"known_hosts_file"`
	InsecureIgnoreHostKey  types.Bool          `tfsdk:"insecure_ignore_host_key"`
	ConnectTimeout         types.String        `tfsdk:"connect_timeout"`
	DialTimeout            types.String        `tfsdk:"dial_timeout"`
	Bastion                *serverBastionBlock `tfsdk:"bastion"`
}

type serverBastionBlock struct {
	Address               types.String `tfsdk:"address"`
	Port                  types.Int64  `tfsdk:"port"`
	User                  types.String `tfsdk:"user"`
	HostKey               types.String `tfsdk:"host_key"`
	HostKeySHA256         types.String `tfsdk:"host_key_sha256"`
	KnownHostsFile        types.String `tfsdk:"known_hosts_file"`
	InsecureIgnoreHostKey types.Bool   `tfsdk:"insecure_ignore_host_key"`
}

type serverInstallBlock struct {
	Mode              types.String `tfsdk:"mode"`
	InstallerURL      types.String `tfsdk:"installer_url"`
	InstallerFile     types.String `tfsdk:"installer_file"`
	InstallerSHA256   types.String `tfsdk:"installer_sha256"`
	InsecureAllowHTTP types.Bool   `tfsdk:"insecure_allow_http"`
	Force             types.Bool   `tfsdk:"force"`
}

type serverHardeningBlock struct {
	OpenPorts    types.List   `tfsdk:"open_ports"`
	Fail2ban     types.Bool   `tfsdk:"fail2ban"`
	TLSCertPEM   types.String `tfsdk:"tls_certificate_pem"`
	TLSKeyPEM    types.String `tfsdk:"tls_private_key_pem"`
	TLSValidDays types.Int64  `tfsdk:"tls_valid_days"`
}

// healthCheckType is one entry of health_checks.
var healthCheckType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"name": types.StringType, "verdict": types.StringType, "reason": types.StringType,
}}

// healthCheckFieldDocs describe the fields of a health check, in
// praho_virtualmin_server's health_checks and praho_virtualmin_server_health's
// checks.
var healthCheckFieldDocs = map[string]string{
	"name": "The check: `" + bootstrap.CheckServices + "` (Webmin runs and port 10000 answers), `" + bootstrap.CheckAPI +
		"` (the API user logs in), `" + bootstrap.CheckPermissions + "` (the API user has the rights the provider needs and " +
		"no more), `" + bootstrap.CheckPrograms + "` (the remote API programs the provider uses exist), `" +
		bootstrap.CheckSecurity + "` (firewall, fail2ban, certificate validity) or `" + bootstrap.CheckResources +
		"` (memory and disk headroom).",
	"verdict": "`" + string(bootstrap.Pass) + "` (as wanted), `" + string(bootstrap.Warn) + "` (needs attention soon), `" +
		string(bootstrap.Fail) + "` (a problem) or `" + string(bootstrap.Unknown) + "` (the check could not run, for " +
		"example without an SSH connection).",
	"reason": "What the check found, in words.",
}

// healthCheckAttributes are the fields of an entry of health_checks.
func healthCheckAttributes() map[string]schema.Attribute {
	attrs := make(map[string]schema.Attribute, len(healthCheckFieldDocs))
	for name, doc := range healthCheckFieldDocs {
		attrs[name] = schema.StringAttribute{Computed: true, MarkdownDescription: doc}
	}
	return attrs
}

func (r *virtualminServerResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_virtualmin_server"
}

func hostKeyAttributes(what string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"host_key": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "The " + what + "'s SSH host public key, pinned, in `authorized_keys` form (`ssh-ed25519 AAAA...`).",
		},
		"host_key_sha256": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "SHA-256 fingerprint of the " + what + "'s host key as `ssh-keygen -l` prints it (`SHA256:...`).",
			Validators:          []validator.String{stringvalidator.RegexMatches(sshFingerprintRe, "must look like SHA256:<base64>")},
		},
		"known_hosts_file": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "Path of a `known_hosts` file holding the " + what + "'s host key.",
		},
		"insecure_ignore_host_key": schema.BoolAttribute{
			Optional: true,
			MarkdownDescription: "**Insecure.** Accepts any host key: anyone on the path can then impersonate the " + what +
				" and receive the API password. Use one of the other host key settings instead.",
		},
	}
}

func (r *virtualminServerResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	sshAttrs := hostKeyAttributes("host")
	sshAttrs["user"] = schema.StringAttribute{Optional: true, MarkdownDescription: "SSH login user. Defaults to `root` (the bootstrap needs root)."}
	sshAttrs["port"] = schema.Int64Attribute{Optional: true, MarkdownDescription: "SSH port. Defaults to `22`.",
		Validators: []validator.Int64{int64validator.Between(1, 65535)}}
	sshAttrs["private_key"] = schema.StringAttribute{Optional: true, Sensitive: true,
		MarkdownDescription: "Private key (PEM or OpenSSH form) to log in with. **Stored in state** (sensitive): prefer " +
			"`use_agent` or `private_key_file`, or `private_key_wo`."}
	sshAttrs["private_key_wo"] = schema.StringAttribute{Optional: true, Sensitive: true, WriteOnly: true,
		MarkdownDescription: "Private key (PEM or OpenSSH form) to log in with, never stored (Terraform 1.11 or OpenTofu 1.11 " +
			"and later). Terraform sends it at create and update only: refreshes then check the server over the API alone " +
			"(unless `use_agent` is on), and `uninstall_on_destroy` needs another login. Change `private_key_wo_version` " +
			"to log in with a new key (the bootstrap runs again, changing nothing that is already right)."}
	sshAttrs["private_key_wo_version"] = schema.Int64Attribute{Optional: true,
		MarkdownDescription: "Change this number when `private_key_wo` or `private_key_passphrase_wo` changes.",
		Validators:          []validator.Int64{int64validator.AlsoRequires(path.MatchRelative().AtParent().AtName("private_key_wo"))}}
	sshAttrs["private_key_file"] = schema.StringAttribute{Optional: true,
		MarkdownDescription: "Path of a private key file on the machine running Terraform, read whenever the provider " +
			"connects: only the path is stored. Use `pathexpand(\"~/.ssh/id_ed25519\")` for a path under your home."}
	sshAttrs["private_key_passphrase"] = schema.StringAttribute{Optional: true, Sensitive: true,
		MarkdownDescription: "Passphrase of an encrypted private key. **Stored in state** (sensitive): prefer " +
			"`private_key_passphrase_wo`, or a key in the agent."}
	sshAttrs["private_key_passphrase_wo"] = schema.StringAttribute{Optional: true, Sensitive: true, WriteOnly: true,
		MarkdownDescription: "Passphrase of an encrypted private key, never stored (Terraform 1.11 or OpenTofu 1.11 and " +
			"later). Like `private_key_wo`, it is only there at create and update."}
	sshAttrs["use_agent"] = schema.BoolAttribute{Optional: true, MarkdownDescription: "Log in with the keys of an SSH agent " +
		"(nothing secret is stored). With `private_key_file`, the recommended way."}
	sshAttrs["agent_socket"] = schema.StringAttribute{Optional: true, MarkdownDescription: "The agent's socket; defaults to `$SSH_AUTH_SOCK`."}
	sshAttrs["connect_timeout"] = schema.StringAttribute{Optional: true, Validators: []validator.String{durationValidator{}},
		MarkdownDescription: "Time limit of one connection attempt (TCP, key exchange, login), a Go duration. Defaults to `15s`."}
	sshAttrs["dial_timeout"] = schema.StringAttribute{Optional: true, Validators: []validator.String{durationValidator{}},
		MarkdownDescription: "How long to keep retrying the connection while a fresh machine boots, a Go duration. Defaults to `5m` " +
			"at creation; reads try once."}
	bastionAttrs := hostKeyAttributes("bastion")
	bastionAttrs["address"] = schema.StringAttribute{Optional: true, MarkdownDescription: "The jump host's address (required in the block)."}
	bastionAttrs["port"] = schema.Int64Attribute{Optional: true, MarkdownDescription: "The jump host's SSH port. Defaults to `22`.",
		Validators: []validator.Int64{int64validator.Between(1, 65535)}}
	bastionAttrs["user"] = schema.StringAttribute{Optional: true, MarkdownDescription: "Login user on the jump host. Defaults to the host's."}

	resp.Schema = schema.Schema{
		Version: 0,
		MarkdownDescription: "A bare Debian, Ubuntu or RHEL-family host made a healthy Virtualmin server over SSH: " +
			"Virtualmin's official installer (skipped when the host already has Virtualmin), a least-privilege API user, " +
			"a firewall opening only the ports asked for, fail2ban with the Webmin jail and a TLS certificate for Webmin, " +
			"whose fingerprint is pinned. Every plan checks the server's health (`status`, `health_checks`).\n\n" +
			"`id` is the server's API endpoint (`address:10000`). Accounts placed with `server = praho_virtualmin_server.x.id` " +
			"reach it in the same apply: the resource hands its certificate pin and its API user to the provider's client of " +
			"that endpoint. A pin and a login in the provider block (`virtualmin.servers`, or the block's own) win when set; " +
			"with a login there, the resources on the server keep no copy of the API password (ARCHITECTURE.md).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The API endpoint, `address:10000`: what accounts' `server` takes.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "A name for the server in the fleet.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"address": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The host's IP address or DNS name, for SSH and for the API. Changing it replaces the server.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"hostname": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The host's fully qualified name, given to the installer. Changing it replaces the server.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{stringvalidator.RegexMatches(hostnameRe, "must be a fully qualified host name")},
			},
			"api_user": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Webmin user the provider uses the remote API with. Defaults to `praho`.",
				Validators:          []validator.String{stringvalidator.RegexMatches(webminUserRe, "letters, digits, ., _ and - only")},
			},
			"api_password": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "The API user's password. Stored in state (sensitive); prefer `api_password_wo`. Changing it applies in place.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(12)},
			},
			"api_password_wo": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				WriteOnly: true,
				MarkdownDescription: "The API user's password, never stored (Terraform 1.11 or OpenTofu 1.11 and later). It is " +
					"sent at creation and whenever `api_password_wo_version` changes. As it is not in state, later runs reach the " +
					"server with the provider's `virtualmin` credentials: give it an entry in `virtualmin.servers` fed by the same " +
					"variable.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(12)},
			},
			"api_password_wo_version": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "Change this number to send `api_password_wo` again.",
				Validators:          []validator.Int64{int64validator.AlsoRequires(path.MatchRoot("api_password_wo"))},
			},
			"api_allow_from": schema.ListAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Addresses or networks (CIDR) Webmin accepts logins from. Left out, Webmin's setting is kept.",
				Validators:          []validator.List{listvalidator.SizeAtLeast(1)},
			},
			"capacity": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "How many hosting accounts the server should take, for placing accounts.",
				Validators:          []validator.Int64{int64validator.AtLeast(0)},
			},
			"tags": schema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Free-form labels for placing accounts (region, tier...).",
			},
			"uninstall_on_destroy": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Run the installer's `--uninstall` when the resource is destroyed (removes Virtualmin, " +
					"Webmin and their packages). By default destroying only forgets the server and leaves the host as it is.",
			},
			"timeouts": virtualminServerTimeouts.attribute(ctx),
			"tls_fingerprint_sha256": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "SHA-256 fingerprint of Webmin's certificate, pinned by the provider's client of this server.",
			},
			"virtualmin_version": schema.StringAttribute{Computed: true, MarkdownDescription: "Virtualmin's version."},
			"webmin_version":     schema.StringAttribute{Computed: true, MarkdownDescription: "Webmin's version."},
			"status": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "`healthy`, `degraded` (the API answers, some check warned or failed) or `unavailable` " +
					"(Webmin is down or the API does not answer), from the last health check.",
			},
			"health_checks": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The last health report, one entry per check.",
				NestedObject:        schema.NestedAttributeObject{Attributes: healthCheckAttributes()},
			},
			"checked_at": schema.StringAttribute{Computed: true, MarkdownDescription: "When the health checks ran (RFC 3339)."},
		},
		Blocks: map[string]schema.Block{
			"ssh": schema.SingleNestedBlock{
				MarkdownDescription: "How to reach the host over SSH. One host key setting is required: `host_key`, " +
					"`host_key_sha256`, `known_hosts_file`, or the explicit opt-out `insecure_ignore_host_key`.",
				Attributes: sshAttrs,
				Blocks: map[string]schema.Block{
					"bastion": schema.SingleNestedBlock{
						MarkdownDescription: "A jump host (like `ssh -J`); it takes the same login as the host.",
						Attributes:          bastionAttrs,
					},
				},
			},
			"install": schema.SingleNestedBlock{
				MarkdownDescription: "How Virtualmin is installed. The installer runs only when the host has no Virtualmin.",
				Attributes: map[string]schema.Attribute{
					"mode": schema.StringAttribute{Optional: true,
						MarkdownDescription: "`minimal` (default), `LAMP` or `LEMP`.",
						Validators:          []validator.String{stringvalidator.OneOf("minimal", "LAMP", "LEMP")}},
					"installer_url": schema.StringAttribute{Optional: true,
						MarkdownDescription: "Where the host downloads `virtualmin-install.sh`. Defaults to Virtualmin's own."},
					"installer_file": schema.StringAttribute{Optional: true,
						MarkdownDescription: "A local installer uploaded over SSH, for hosts without internet. Wins over `installer_url`."},
					"installer_sha256": schema.StringAttribute{Optional: true,
						MarkdownDescription: "The installer's expected SHA-256 (hex), checked on the host before it runs."},
					"insecure_allow_http": schema.BoolAttribute{Optional: true,
						MarkdownDescription: "**Insecure.** Lets `installer_url` be plain `http://`."},
					"force": schema.BoolAttribute{Optional: true,
						MarkdownDescription: "Pass `--force` (answer yes to the installer's questions). Defaults to `true`."},
				},
			},
			"hardening": schema.SingleNestedBlock{
				MarkdownDescription: "Firewall, fail2ban and Webmin's TLS certificate. Changes apply in place.",
				Attributes: map[string]schema.Attribute{
					"open_ports": schema.ListAttribute{Optional: true, ElementType: types.Int64Type,
						MarkdownDescription: "TCP ports the firewall (ufw or firewalld) lets in; every other allow rule is removed, " +
							"except the SSH port in use. Left out, the firewall is not managed."},
					"fail2ban": schema.BoolAttribute{Optional: true,
						MarkdownDescription: "Install fail2ban and enable its Webmin jail. Defaults to `true`."},
					"tls_certificate_pem": schema.StringAttribute{Optional: true,
						MarkdownDescription: "Certificate (with chain) for Webmin instead of a self-signed one."},
					"tls_private_key_pem": schema.StringAttribute{Optional: true, Sensitive: true,
						MarkdownDescription: "Private key of `tls_certificate_pem`."},
					"tls_valid_days": schema.Int64Attribute{Optional: true,
						MarkdownDescription: "Lifetime of a self-signed certificate. Defaults to `825`.",
						Validators:          []validator.Int64{int64validator.Between(30, 3650)}},
				},
			},
		},
	}
}

func (r *virtualminServerResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("api_password"), path.MatchRoot("api_password_wo")),
		resourcevalidator.Conflicting(path.MatchRoot("api_password"), path.MatchRoot("api_password_wo_version")),
		resourcevalidator.RequiredTogether(path.MatchRoot("hardening").AtName("tls_certificate_pem"), path.MatchRoot("hardening").AtName("tls_private_key_pem")),
		resourcevalidator.Conflicting(path.MatchRoot("ssh").AtName("private_key"), path.MatchRoot("ssh").AtName("private_key_wo"),
			path.MatchRoot("ssh").AtName("private_key_file")),
		resourcevalidator.Conflicting(path.MatchRoot("ssh").AtName("private_key_passphrase"), path.MatchRoot("ssh").AtName("private_key_passphrase_wo")),
	}
}

// ValidateConfig checks the SSH login before any connection: a private key
// given inline must parse (and its passphrase decrypt it), and a destroy
// that uninstalls needs a login that is there at destroy time, when
// write-only values are not.
func (r *virtualminServerResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m virtualminServerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.SSH == nil {
		return
	}
	b := m.SSH
	known := func(v types.String) bool { return !v.IsUnknown() }
	if known(b.PrivateKey) && known(b.PrivateKeyWO) && known(b.PrivateKeyPassphrase) && known(b.PrivateKeyPassphraseWO) {
		login := b.login(sshWriteOnly{key: b.PrivateKeyWO.ValueString(), passphrase: b.PrivateKeyPassphraseWO.ValueString()})
		if login.key != "" {
			if err := ssh.CheckPrivateKey([]byte(login.key), login.passphrase); err != nil {
				at, summary, detail := login.keyError(err)
				resp.Diagnostics.AddAttributeError(at, summary, detail)
			}
		}
	}
	if m.UninstallOnDestroy.ValueBool() && !b.UseAgent.ValueBool() && (!b.PrivateKeyWO.IsNull() || !b.PrivateKeyPassphraseWO.IsNull()) {
		resp.Diagnostics.AddAttributeError(path.Root("uninstall_on_destroy"), "No SSH login at destroy time",
			"uninstall_on_destroy connects over SSH when the server is destroyed, and Terraform does not send write-only "+
				"values (ssh.private_key_wo, ssh.private_key_passphrase_wo) then. Log in with ssh.use_agent or "+
				"ssh.private_key_file (with a stored passphrase if it is encrypted), or turn uninstall_on_destroy off.")
	}
}

// ModifyPlan puts an unhealthy server in the plan's output: a scheduled plan
// then says which server is in trouble and why, even with no check block.
func (r *virtualminServerResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if !req.State.Raw.IsNull() && req.Plan.Raw.IsNull() {
		r.checkDecommission(ctx, req.State, &resp.Diagnostics)
		return
	}
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	r.registerFromPriorState(ctx, req.State, &resp.Diagnostics)
	var status, address types.String
	var checks types.List
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("status"), &status)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("address"), &address)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("health_checks"), &checks)...)
	if status.IsNull() || status.IsUnknown() || status.ValueString() == string(bootstrap.Healthy) {
		return
	}
	var lines []string
	for _, e := range checks.Elements() {
		if o, ok := e.(types.Object); ok {
			a := o.Attributes()
			if v, _ := a["verdict"].(types.String); v.ValueString() != string(bootstrap.Pass) {
				n, _ := a["name"].(types.String)
				why, _ := a["reason"].(types.String)
				lines = append(lines, fmt.Sprintf("%s: %s: %s", n.ValueString(), v.ValueString(), why.ValueString()))
			}
		}
	}
	resp.Diagnostics.AddWarning("Virtualmin server "+address.ValueString()+" is "+status.ValueString(), strings.Join(lines, "\n"))
}

// checkDecommission refuses to destroy a server that accounts of this
// configuration stay on (decommission.go says how both sides check).
func (r *virtualminServerResource) checkDecommission(ctx context.Context, st tfsdk.State, diags *diag.Diagnostics) {
	var address types.String
	diags.Append(st.GetAttribute(ctx, path.Root("address"), &address)...)
	endpoint, err := serverEndpoint(address.ValueString())
	if diags.HasError() || err != nil || r.data == nil {
		return
	}
	if staying := r.data.decommissions.serverLeaving(endpoint); len(staying) > 0 {
		summary, detail := decommissionRefusal(endpoint, staying)
		diags.AddError(summary, detail)
	}
}

// registerFromPriorState registers the server from its state when this
// process has no registration for it: a plan without refresh (-refresh=false,
// or the check after an apply) never calls Read, and the accounts and health
// data sources planned after the server need its pin and API user.
func (r *virtualminServerResource) registerFromPriorState(ctx context.Context, st tfsdk.State, diags *diag.Diagnostics) {
	var state virtualminServerModel
	diags.Append(st.Get(ctx, &state)...)
	endpoint, err := serverEndpoint(state.Address.ValueString())
	if diags.HasError() || err != nil || r.data == nil {
		return
	}
	if _, ok := r.data.managed.get(endpoint); ok {
		return // set up by this provider instance: newer
	}
	if pin, password := state.TLSFingerprintSHA256.ValueString(), state.APIPassword.ValueString(); pin != "" || password != "" {
		r.data.registerManagedServer(endpoint, managedServer{pin: pin, user: state.apiUser(), password: password})
	}
}

func (r *virtualminServerResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = d
}

// serverEndpoint is the API endpoint of a host address.
func serverEndpoint(address string) (string, error) {
	return normalizeEndpoint(address, webminPort)
}

// sshWriteOnly holds the write-only SSH settings, which only the
// configuration of a create or an update carries.
type sshWriteOnly struct{ key, passphrase string }

// writeOnlySSH reads the write-only SSH settings of a configuration.
func writeOnlySSH(config *virtualminServerModel) sshWriteOnly {
	if config.SSH == nil {
		return sshWriteOnly{}
	}
	return sshWriteOnly{key: config.SSH.PrivateKeyWO.ValueString(), passphrase: config.SSH.PrivateKeyPassphraseWO.ValueString()}
}

// sshKeyLogin is the private key to log in with and where each part comes
// from, for errors that name the attribute.
type sshKeyLogin struct {
	key, keyAttr, passphrase, passphraseAttr string
	// file is private_key_file's path; key is read from it.
	file string
}

// login picks the private key and passphrase: the write-only ones when the
// configuration of a create or update has them, else the stored ones.
func (b *serverSSHBlock) login(wo sshWriteOnly) sshKeyLogin {
	l := sshKeyLogin{key: b.PrivateKey.ValueString(), keyAttr: "private_key",
		passphrase: b.PrivateKeyPassphrase.ValueString(), passphraseAttr: "private_key_passphrase"}
	switch {
	case wo.key != "":
		l.key, l.keyAttr = wo.key, "private_key_wo"
	case b.PrivateKeyFile.ValueString() != "":
		l.file, l.keyAttr = b.PrivateKeyFile.ValueString(), "private_key_file"
	}
	if wo.passphrase != "" {
		l.passphrase, l.passphraseAttr = wo.passphrase, "private_key_passphrase_wo"
	}
	return l
}

// keyError turns ssh.CheckPrivateKey's error into a diagnostic naming the
// attribute at fault and the problem, never the key.
func (l sshKeyLogin) keyError(err error) (path.Path, string, string) {
	at, what := path.Root("ssh").AtName(l.keyAttr), "ssh."+l.keyAttr
	if l.file != "" {
		what += " (" + l.file + ")"
	}
	var ke *ssh.KeyError
	if errors.As(err, &ke) && ke.Passphrase {
		if l.passphrase != "" {
			at = path.Root("ssh").AtName(l.passphraseAttr)
		}
		return at, "Private key cannot be decrypted", fmt.Sprintf("%s: %s. Set ssh.private_key_passphrase_wo (or "+
			"ssh.private_key_passphrase) to the key's passphrase.", what, ke.Problem)
	}
	problem := err.Error()
	if errors.As(err, &ke) {
		problem = ke.Problem
	}
	return at, "Invalid private key", fmt.Sprintf("%s: %s. Give the private key itself (the file that starts with "+
		"-----BEGIN OPENSSH PRIVATE KEY----- or another PEM header), not the public key.", what, problem)
}

// attributeError is an invalid setting found while building a client
// configuration, reported on its attribute.
type attributeError struct {
	at              path.Path
	summary, detail string
}

func (e *attributeError) Error() string { return e.detail }

// addSSHSettingsError reports an error of sshConfig.
func addSSHSettingsError(diags *diag.Diagnostics, err error) {
	var ae *attributeError
	if errors.As(err, &ae) {
		diags.AddAttributeError(ae.at, ae.summary, ae.detail)
		return
	}
	diags.AddAttributeError(path.Root("ssh"), "Invalid SSH settings", err.Error())
}

// sshConfig builds the SSH client configuration of m. wo carries the
// write-only settings of a create or an update (empty otherwise). An error
// naming an attribute is an *attributeError.
func (m *virtualminServerModel) sshConfig(logger *slog.Logger, creating bool, wo sshWriteOnly) (ssh.Config, []string, error) {
	b := m.SSH
	if b == nil {
		return ssh.Config{}, nil, errors.New("the ssh block is required: the host is bootstrapped over SSH")
	}
	port := int64(22)
	if !b.Port.IsNull() {
		port = b.Port.ValueInt64()
	}
	cfg := ssh.Config{
		Addr:   net.JoinHostPort(m.Address.ValueString(), strconv.FormatInt(port, 10)),
		User:   stringOr(b.User, "root"),
		Logger: logger,
	}
	var secrets []string
	login := b.login(wo)
	if login.file != "" {
		k, err := os.ReadFile(login.file)
		if err != nil {
			return cfg, nil, &attributeError{at: path.Root("ssh").AtName("private_key_file"), summary: "Cannot read the private key file",
				detail: fmt.Sprintf("ssh.private_key_file: %v", err)}
		}
		login.key = string(k)
	}
	if login.key != "" {
		if err := ssh.CheckPrivateKey([]byte(login.key), login.passphrase); err != nil {
			at, summary, detail := login.keyError(err)
			return cfg, nil, &attributeError{at: at, summary: summary, detail: detail}
		}
		cfg.Auth = append(cfg.Auth, ssh.PrivateKey([]byte(login.key), login.passphrase))
		secrets = append(secrets, login.key)
		if login.passphrase != "" {
			secrets = append(secrets, login.passphrase)
		}
	}
	if b.UseAgent.ValueBool() {
		cfg.Auth = append(cfg.Auth, ssh.Agent(b.AgentSocket.ValueString()))
	}
	if len(cfg.Auth) == 0 {
		if !b.PrivateKeyWOVersion.IsNull() {
			return cfg, nil, errors.New("ssh: no login: ssh.private_key_wo is write-only and Terraform sends it at create " +
				"and update only; set use_agent = true or private_key_file for this operation")
		}
		return cfg, nil, errors.New("ssh: set private_key_file, use_agent = true, private_key_wo or private_key")
	}
	var err error
	if cfg.HostKey, err = hostKeyCheck(b.HostKey, b.HostKeySHA256, b.KnownHostsFile, b.InsecureIgnoreHostKey, "ssh"); err != nil {
		return cfg, nil, err
	}
	if cfg.ConnectTimeout, err = durationOr(b.ConnectTimeout, 15*time.Second); err != nil {
		return cfg, nil, err
	}
	if creating {
		if cfg.DialTimeout, err = durationOr(b.DialTimeout, 5*time.Minute); err != nil {
			return cfg, nil, err
		}
	}
	if bb := b.Bastion; bb != nil && !bb.Address.IsNull() {
		bport := int64(22)
		if !bb.Port.IsNull() {
			bport = bb.Port.ValueInt64()
		}
		bc := &ssh.Config{
			Addr: net.JoinHostPort(bb.Address.ValueString(), strconv.FormatInt(bport, 10)),
			User: stringOr(bb.User, cfg.User),
			Auth: cfg.Auth,
		}
		if bc.HostKey, err = hostKeyCheck(bb.HostKey, bb.HostKeySHA256, bb.KnownHostsFile, bb.InsecureIgnoreHostKey, "ssh.bastion"); err != nil {
			return cfg, nil, err
		}
		cfg.Bastion = bc
	}
	return cfg, secrets, nil
}

func hostKeyCheck(key, fp, known types.String, insecure types.Bool, where string) (ssh.HostKeyCheck, error) {
	n := 0
	var c ssh.HostKeyCheck
	if v := key.ValueString(); v != "" {
		n++
		c = ssh.PinnedKey(v)
	}
	if v := fp.ValueString(); v != "" {
		n++
		c = ssh.FingerprintSHA256(v)
	}
	if v := known.ValueString(); v != "" {
		n++
		c = ssh.KnownHostsFile(v)
	}
	if insecure.ValueBool() {
		n++
		c = ssh.InsecureIgnoreHostKey()
	}
	if n != 1 {
		return nil, fmt.Errorf("%s: set exactly one of host_key, host_key_sha256, known_hosts_file or insecure_ignore_host_key", where)
	}
	return c, nil
}

func stringOr(v types.String, def string) string {
	if v.IsNull() || v.IsUnknown() || v.ValueString() == "" {
		return def
	}
	return v.ValueString()
}

func durationOr(v types.String, def time.Duration) (time.Duration, error) {
	if v.IsNull() || v.ValueString() == "" {
		return def, nil
	}
	return time.ParseDuration(v.ValueString())
}

// apiUser is the API user's name.
func (m *virtualminServerModel) apiUser() string { return stringOr(m.APIUser, "praho") }

// spec is the bootstrap of m; password is the API password to set.
func (m *virtualminServerModel) spec(ctx context.Context, password string) (bootstrap.Spec, diag.Diagnostics) {
	var diags diag.Diagnostics
	s := bootstrap.Spec{
		Install: bootstrap.InstallOptions{Mode: bootstrap.Minimal, Hostname: m.Hostname.ValueString(), Force: true},
		Harden:  bootstrap.HardenOptions{Fail2ban: true, TLS: bootstrap.TLSOptions{Hostname: m.Hostname.ValueString()}},
		APIUser: bootstrap.APIUserOptions{Name: m.apiUser(), Password: password},
	}
	if in := m.Install; in != nil {
		switch in.Mode.ValueString() {
		case "LAMP":
			s.Install.Mode = bootstrap.BundleLAMP
		case "LEMP":
			s.Install.Mode = bootstrap.BundleLEMP
		}
		s.Install.InstallerURL = in.InstallerURL.ValueString()
		s.Install.InstallerFile = in.InstallerFile.ValueString()
		s.Install.InstallerSHA256 = in.InstallerSHA256.ValueString()
		s.Install.InsecureAllowHTTP = in.InsecureAllowHTTP.ValueBool()
		if !in.Force.IsNull() {
			s.Install.Force = in.Force.ValueBool()
		}
	}
	if h := m.Hardening; h != nil {
		if !h.OpenPorts.IsNull() {
			var ports []int64
			diags.Append(h.OpenPorts.ElementsAs(ctx, &ports, false)...)
			s.Harden.OpenPorts = []int{}
			for _, p := range ports {
				s.Harden.OpenPorts = append(s.Harden.OpenPorts, int(p))
			}
		}
		if !h.Fail2ban.IsNull() {
			s.Harden.Fail2ban = h.Fail2ban.ValueBool()
		}
		if h.TLSCertPEM.ValueString() != "" {
			s.Harden.TLS.CertPEM = []byte(h.TLSCertPEM.ValueString())
			s.Harden.TLS.KeyPEM = []byte(h.TLSKeyPEM.ValueString())
		}
		s.Harden.TLS.ValidDays = int(h.TLSValidDays.ValueInt64())
	}
	if !m.APIAllowFrom.IsNull() {
		diags.Append(m.APIAllowFrom.ElementsAs(ctx, &s.APIUser.AllowFrom, false)...)
	}
	return s, diags
}

// bootstrapperFor returns a Bootstrapper for the host at address working
// through c (nil: API-only health checks), logging into Terraform's logs.
func bootstrapperFor(ctx context.Context, c *ssh.Client, address string) *bootstrap.Bootstrapper {
	opts := []bootstrap.Option{
		bootstrap.WithLogger(sdkLogger(ctx)),
		bootstrap.WithProgress(func(step, line string) {
			tflog.Info(ctx, "bootstrap "+step+": "+line, map[string]any{"address": address})
		}),
	}
	if root, ok := hostRoots.Load(address); ok {
		opts = append(opts, bootstrap.WithRoot(root.(string)))
	}
	return bootstrap.New(c, opts...)
}

func (r *virtualminServerResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config virtualminServerModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, plan.Timeouts.Create, virtualminServerTimeouts.create)
	defer cancel()
	r.apply(ctx, &plan, apiPassword(&plan, &config), writeOnlySSH(&config), &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *virtualminServerResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, config, state virtualminServerModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if sameBootstrapInputs(&plan, &state) {
		// Only name, capacity, tags, uninstall_on_destroy or timeouts
		// changed: nothing to do on the host.
		plan.ID, plan.TLSFingerprintSHA256 = state.ID, state.TLSFingerprintSHA256
		plan.VirtualminVersion, plan.WebminVersion = state.VirtualminVersion, state.WebminVersion
		plan.Status, plan.HealthChecks, plan.CheckedAt = state.Status, state.HealthChecks, state.CheckedAt
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, plan.Timeouts.Update, virtualminServerTimeouts.update)
	defer cancel()
	// Every step is idempotent: running the bootstrap again applies what
	// changed (hardening, API password) and leaves the rest alone.
	r.apply(ctx, &plan, apiPassword(&plan, &config), writeOnlySSH(&config), &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// sameBootstrapInputs reports whether a and b ask the host for the same
// thing: SSH, install, hardening and API user settings.
func sameBootstrapInputs(a, b *virtualminServerModel) bool {
	return reflect.DeepEqual(a.SSH, b.SSH) && reflect.DeepEqual(a.Install, b.Install) && reflect.DeepEqual(a.Hardening, b.Hardening) &&
		a.Hostname.Equal(b.Hostname) && a.APIUser.Equal(b.APIUser) && a.APIPassword.Equal(b.APIPassword) &&
		a.APIPasswordWOVersion.Equal(b.APIPasswordWOVersion) && a.APIAllowFrom.Equal(b.APIAllowFrom)
}

// apiPassword is the password to set: api_password, or the write-only one
// from the configuration.
func apiPassword(plan, config *virtualminServerModel) string {
	if v := plan.APIPassword.ValueString(); v != "" {
		return v
	}
	return config.APIPasswordWO.ValueString()
}

// apply runs the bootstrap and fills m's computed attributes.
func (r *virtualminServerResource) apply(ctx context.Context, m *virtualminServerModel, password string, wo sshWriteOnly, diags *diag.Diagnostics) {
	address := m.Address.ValueString()
	endpoint, err := serverEndpoint(address)
	if err != nil {
		diags.AddAttributeError(path.Root("address"), "Invalid address", err.Error())
		return
	}
	if password == "" {
		diags.AddAttributeError(path.Root("api_password"), "No API password", "Set api_password or api_password_wo.")
		return
	}
	ctx = tflog.MaskMessageStrings(ctx, password)
	ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, "password", "private_key")
	logger := sdkLogger(ctx)
	cfg, secrets, err := m.sshConfig(logger, true, wo)
	if err != nil {
		addSSHSettingsError(diags, err)
		return
	}
	ctx = tflog.MaskMessageStrings(ctx, secrets...)
	spec, d := m.spec(ctx, password)
	spec.Health.Timeout = r.data.cfg.Virtualmin.RequestTimeout
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	tflog.Info(ctx, "bootstrap: connecting over SSH", map[string]any{"address": cfg.Addr, "user": cfg.User})
	client, err := ssh.Dial(ctx, cfg)
	if err != nil {
		sshDialError(diags, cfg.Addr, err)
		return
	}
	defer client.Close()
	tflog.Info(ctx, "bootstrap: connected over SSH", map[string]any{"address": cfg.Addr, "dial_attempts": client.DialAttempts()})
	b := bootstrapperFor(ctx, client, address)
	rep, err := b.Bootstrap(ctx, spec)
	if rep != nil {
		for _, s := range rep.Steps {
			tflog.Info(ctx, "bootstrap: "+s.String(), map[string]any{"address": address})
		}
	}
	if err != nil {
		detail := fmt.Sprintf("Host: %s\n%s", address, ssh.Redact(err.Error(), append(secrets, password)))
		var ie *bootstrap.InstallError
		if errors.As(err, &ie) {
			detail += "\n\nThe installer's output ends with:\n" + ssh.Redact(ie.Tail, append(secrets, password))
		}
		diags.AddError("Bootstrap failed", detail+"\n\nEvery step is idempotent: fix the cause and apply again.")
		return
	}
	m.ID = types.StringValue(endpoint)
	m.TLSFingerprintSHA256 = types.StringValue(rep.TLSFingerprintSHA256)
	r.data.registerManagedServer(endpoint, managedServer{pin: rep.TLSFingerprintSHA256, user: m.apiUser(), password: password,
		passwordWriteOnly: m.APIPassword.ValueString() == ""})
	diags.Append(m.setHealth(rep.Health)...)
	if rep.Health.Status == bootstrap.Unavailable {
		diags.AddError("The server is unavailable after the bootstrap", fmt.Sprintf("Host: %s\n%s", address, rep.Health))
	} else if rep.Health.Status == bootstrap.Degraded {
		diags.AddWarning("The server is degraded", fmt.Sprintf("Host: %s\n%s", address, rep.Health))
	}
}

func sshDialError(diags *diag.Diagnostics, addr string, err error) {
	hint := "Check the address, the port and that sshd runs; ssh.dial_timeout bounds the retries while a host boots."
	var hk *ssh.HostKeyError
	switch {
	case errors.As(err, &hk):
		hint = "The host presented a host key other than the one configured: the connection was refused, as it could be " +
			"someone else's machine. If the host was rebuilt, update ssh.host_key, ssh.host_key_sha256 or the known_hosts file."
	case errors.Is(err, ssh.ErrAuthFailed):
		hint = "The host refused the login: check ssh.user and the private key (ssh.private_key_file, ssh.private_key_wo, " +
			"ssh.private_key) or the agent's keys."
	case errors.Is(err, ssh.ErrInvalidConfig):
		hint = "Nothing was sent to the host: fix the ssh settings."
	}
	diags.AddError("Cannot connect to the host over SSH", fmt.Sprintf("Host: %s\n%s\n\n%s", addr, err, hint))
}

// setHealth copies a health report into m.
func (m *virtualminServerModel) setHealth(h *bootstrap.HealthReport) diag.Diagnostics {
	m.Status = types.StringValue(string(h.Status))
	m.VirtualminVersion = types.StringValue(h.VirtualminVersion)
	m.WebminVersion = types.StringValue(h.WebminVersion)
	m.CheckedAt = types.StringValue(h.CheckedAt.UTC().Format(time.RFC3339))
	list, diags := healthChecksValue(h)
	m.HealthChecks = list
	return diags
}

func healthChecksValue(h *bootstrap.HealthReport) (types.List, diag.Diagnostics) {
	var diags diag.Diagnostics
	elems := make([]attr.Value, 0, len(h.Checks))
	for _, c := range h.Checks {
		o, d := types.ObjectValue(healthCheckType.AttrTypes, map[string]attr.Value{
			"name": types.StringValue(c.Name), "verdict": types.StringValue(string(c.Verdict)), "reason": types.StringValue(c.Reason),
		})
		diags.Append(d...)
		elems = append(elems, o)
	}
	l, d := types.ListValue(healthCheckType, elems)
	diags.Append(d...)
	return l, diags
}

func (r *virtualminServerResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state virtualminServerModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, state.Timeouts.Read, virtualminServerTimeouts.read)
	defer cancel()
	address := state.Address.ValueString()
	endpoint, err := serverEndpoint(address)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("address"), "Invalid address in state", err.Error())
		return
	}
	state.ID = types.StringValue(endpoint)
	password := state.APIPassword.ValueString()
	user := state.apiUser()
	ctx = tflog.MaskMessageStrings(ctx, password)
	// Register first: accounts on this server are refreshed after it and
	// need its pin and API user even when the checks below fail.
	if pin := state.TLSFingerprintSHA256.ValueString(); pin != "" || password != "" {
		r.data.registerManagedServer(endpoint, managedServer{pin: pin, user: user, password: password})
	}
	if password == "" {
		user, password, _ = r.data.cfg.Virtualmin.providerLogin(endpoint)
	}
	if password == "" {
		// Imported, or a write-only password: nothing to log in with.
		resp.Diagnostics.AddWarning("Health not checked",
			fmt.Sprintf("Host: %s\nThe API password is not in state (imported, or api_password_wo) and the provider has no "+
				"virtualmin credentials: set them, or api_password, for the health checks to run.", address))
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		return
	}

	// Over SSH when the host answers (one attempt: a plan must not wait for
	// a dead host), otherwise over the API alone.
	var client *ssh.Client
	if state.SSH != nil {
		cfg, secrets, err := state.sshConfig(sdkLogger(ctx), false, sshWriteOnly{})
		ctx = tflog.MaskMessageStrings(ctx, secrets...)
		if err == nil {
			cfg.ConnectTimeout = min(cfg.ConnectTimeout, 10*time.Second)
			if client, err = ssh.Dial(ctx, cfg); err != nil {
				var hk *ssh.HostKeyError
				if errors.As(err, &hk) {
					sshDialError(&resp.Diagnostics, cfg.Addr, err)
					return
				}
				tflog.Warn(ctx, "health: host not reachable over SSH; checking over the API only", map[string]any{"address": address, "error": err.Error()})
				client = nil
			} else {
				defer client.Close()
			}
		}
	}
	b := bootstrapperFor(ctx, client, address)
	if client != nil {
		installed, err := b.Installed(ctx)
		if err == nil && !installed {
			resp.Diagnostics.AddWarning("Virtualmin is no longer installed",
				fmt.Sprintf("Host: %s\nThe installer's marker %s is gone: the next apply bootstraps the host again.", address, bootstrap.InstalledMarker))
			resp.State.RemoveResource(ctx)
			return
		}
	}
	opts := bootstrap.HealthOptions{
		Endpoint:             "https://" + endpoint,
		APIUser:              user,
		APIPassword:          password,
		TLSFingerprintSHA256: state.TLSFingerprintSHA256.ValueString(),
		Timeout:              r.data.cfg.Virtualmin.RequestTimeout,
	}
	if pin, ok := r.data.cfg.Virtualmin.Pins[endpoint]; ok {
		opts.TLSFingerprintSHA256 = fmt.Sprintf("%x", pin)
	}
	if opts.TLSFingerprintSHA256 == "" {
		opts.CACertPEM = r.data.cfg.Virtualmin.CACertificatePEM
	}
	h, err := b.Health(ctx, opts)
	if err != nil {
		resp.Diagnostics.AddError("Cannot check the server's health", fmt.Sprintf("Host: %s\n%s", address, ssh.Redact(err.Error(), []string{password})))
		return
	}
	resp.Diagnostics.Append(state.setHealth(h)...)
	if h.Status != bootstrap.Healthy {
		tflog.Warn(ctx, "health: server is "+string(h.Status), map[string]any{"address": address, "report": h.String()})
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *virtualminServerResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state virtualminServerModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, state.Timeouts.Delete, virtualminServerTimeouts.delete)
	defer cancel()
	endpoint, _ := serverEndpoint(state.Address.ValueString())
	if state.UninstallOnDestroy.ValueBool() {
		cfg, secrets, err := state.sshConfig(sdkLogger(ctx), true, sshWriteOnly{})
		if err != nil {
			addSSHSettingsError(&resp.Diagnostics, err)
			return
		}
		ctx = tflog.MaskMessageStrings(ctx, secrets...)
		client, err := ssh.Dial(ctx, cfg)
		if err != nil {
			sshDialError(&resp.Diagnostics, cfg.Addr, err)
			return
		}
		defer client.Close()
		spec, d := state.spec(ctx, "")
		resp.Diagnostics.Append(d...)
		res, err := bootstrapperFor(ctx, client, state.Address.ValueString()).Uninstall(ctx, spec.Install)
		if err != nil {
			resp.Diagnostics.AddError("Uninstall failed", fmt.Sprintf("Host: %s\n%s", state.Address.ValueString(), ssh.Redact(err.Error(), secrets)))
			return
		}
		tflog.Info(ctx, "uninstall: "+res.String())
	}
	r.data.deregisterManagedServer(endpoint)
}

// ImportState takes the host's address.
func (r *virtualminServerResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	address := strings.TrimSpace(req.ID)
	if h, p, err := net.SplitHostPort(address); err == nil && p == strconv.Itoa(webminPort) {
		address = h
	}
	endpoint, err := serverEndpoint(address)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", "Want the host's address, such as 203.0.113.10: "+err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("address"), address)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), endpoint)...)
}
