package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

var (
	_ resource.Resource                = (*letsEncryptCertificateResource)(nil)
	_ resource.ResourceWithConfigure   = (*letsEncryptCertificateResource)(nil)
	_ resource.ResourceWithImportState = (*letsEncryptCertificateResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*letsEncryptCertificateResource)(nil)
)

// letsEncryptCertificateResource is the Let's Encrypt certificate of one
// hosting account (generate-letsencrypt-cert), read back with get-ssl.
type letsEncryptCertificateResource struct {
	data *providerData
	// now is the clock renewal is judged by (tests may replace it).
	now func() time.Time
}

func newLetsEncryptCertificateResource() resource.Resource {
	return &letsEncryptCertificateResource{now: time.Now}
}

type letsEncryptCertificateModel struct {
	ID                   types.String   `tfsdk:"id"`
	Server               types.String   `tfsdk:"server"`
	Domain               types.String   `tfsdk:"domain"`
	Hostnames            types.Set      `tfsdk:"hostnames"`
	SkipDNSCheck         types.Bool     `tfsdk:"skip_dns_check"`
	DNSValidation        types.Bool     `tfsdk:"dns_validation"`
	Staging              types.Bool     `tfsdk:"staging"`
	RenewBeforeDays      types.Int64    `tfsdk:"renew_before_days"`
	CertificateHostnames types.Set      `tfsdk:"certificate_hostnames"`
	ExpiresAt            types.String   `tfsdk:"expires_at"`
	Issuer               types.String   `tfsdk:"issuer"`
	CertFile             types.String   `tfsdk:"cert_file"`
	KeyFile              types.String   `tfsdk:"key_file"`
	Timeouts             timeouts.Value `tfsdk:"timeouts"`
}

// defaultRenewBeforeDays matches Let's Encrypt's advice: renew a 90-day
// certificate when 30 days are left.
const defaultRenewBeforeDays = 30

func (r *letsEncryptCertificateResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_letsencrypt_certificate"
}

func (r *letsEncryptCertificateResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	computedString := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: desc,
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		}
	}
	resp.Schema = schema.Schema{
		Version: 0,
		MarkdownDescription: "A Let's Encrypt certificate for a hosting account's hostnames, requested with Virtualmin's " +
			"`generate-letsencrypt-cert` and read back with `get-ssl`. A certificate that comes within `renew_before_days` " +
			"of its expiry shows in the plan as an update, and the apply renews it. A failed request reports the line " +
			"where Virtualmin says why (for example `.. none of the hostnames could be resolved!`).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "`<server>/<domain>`, with the server as `host:port` and the domain in its ASCII form.",
				PlanModifiers:       []planmodifier.String{keepUnlessServerChanges{r.sameEndpoint}},
			},
			"server": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The Virtualmin server of the account: `host` or `host:port`. " + followServerDoc("certificate"),
				Validators:          []validator.String{endpointValidator{}},
			},
			"domain": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The hosting account's domain (usually `praho_hosting_account.<name>.domain`). Changing it replaces the certificate.",
				Validators:          []validator.String{domainNameValidator{}},
				PlanModifiers:       []planmodifier.String{requiresReplaceIfMeaningChanges(sameDomain, "Requests a certificate for the new domain.")},
			},
			"hostnames": schema.SetAttribute{
				Optional:    true,
				Computed:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Names to put in the certificate. Left out, Virtualmin picks the account's own names " +
					"(the domain, `www.`, `mail.`, ... that resolve). Changing them requests a new certificate in place; a " +
					"certificate on the server that lacks one of them shows in the plan.",
				Validators: []validator.Set{
					setvalidator.SizeBetween(1, 100),
					setvalidator.ValueStringsAre(domainNameValidator{}),
				},
				PlanModifiers: []planmodifier.Set{setplanmodifier.UseStateForUnknown()},
			},
			"skip_dns_check": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
				MarkdownDescription: "Skip Virtualmin's check that every name resolves before asking Let's Encrypt. " +
					"Defaults to `false`; the check gives the clearest error for a name that does not resolve.",
			},
			"dns_validation": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
				MarkdownDescription: "Validate through DNS records in a zone hosted on the server instead of over HTTP. " +
					"Defaults to `false`. Needs Virtualmin's native ACME client.",
			},
			"staging": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
				MarkdownDescription: "Use the Let's Encrypt staging service (untrusted certificates, generous rate limits), " +
					"for trials. Defaults to `false`. Changing it replaces the certificate.",
				PlanModifiers: []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
			},
			"renew_before_days": schema.Int64Attribute{
				Optional: true,
				Computed: true,
				Default:  int64default.StaticInt64(defaultRenewBeforeDays),
				MarkdownDescription: "Renew when the certificate expires within this many days: the plan then shows an " +
					"in-place update of `expires_at`. Defaults to `30` (1-89).",
				Validators: []validator.Int64{int64validator.Between(1, 89)},
			},
			"certificate_hostnames": schema.SetAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Names the installed certificate covers (its subject alternative names).",
				PlanModifiers:       []planmodifier.Set{setplanmodifier.UseStateForUnknown()},
			},
			"expires_at": computedString("Expiry of the installed certificate (RFC 3339, UTC)."),
			"issuer":     computedString("Common name of the certificate's issuer."),
			"cert_file":  computedString("Path of the certificate file on the server."),
			"key_file":   computedString("Path of the private key file on the server."),
			"timeouts":   letsEncryptTimeouts.attribute(ctx),
		},
	}
}

func (r *letsEncryptCertificateResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = d
}

func (r *letsEncryptCertificateResource) sameEndpoint(a, b string) bool {
	return sameEndpoint(r.data, a, b)
}

// ModifyPlan turns what the last refresh found into a plan: a certificate due
// for renewal, or one that lacks a requested name, is requested again.
func (r *letsEncryptCertificateResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return
	}
	var plan, state letsEncryptCertificateModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.data.planFollow(ctx, &resp.Diagnostics, followed{plan.Server, plan.Domain}, followed{state.Server, state.Domain}, "certificate",
		domainObject(plan.Domain.ValueString()))
	reasons := certRenewalReasons(ctx, r.now(), &plan, &state, &resp.Diagnostics)
	if len(reasons) == 0 {
		if !plan.Hostnames.IsUnknown() && !plan.Hostnames.Equal(state.Hostnames) {
			// New names: a new certificate, without a warning.
			reasons = []string{}
		} else {
			return
		}
	}
	// Everything read from the certificate changes with the new one.
	plan.ExpiresAt = types.StringUnknown()
	plan.Issuer = types.StringUnknown()
	plan.CertificateHostnames = types.SetUnknown(types.StringType)
	plan.CertFile = types.StringUnknown()
	plan.KeyFile = types.StringUnknown()
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	if len(reasons) == 0 {
		return
	}
	resp.Diagnostics.AddWarning("Let's Encrypt certificate will be requested again",
		fmt.Sprintf("Server: %s\nDomain: %s\n%s\n\nThe apply runs generate-letsencrypt-cert again for this account.",
			state.Server.ValueString(), state.Domain.ValueString(), strings.Join(reasons, "\n")))
}

// certRenewalReasons says why the certificate in state must be requested
// again; none when it is fine. A resource about to be replaced needs none.
func certRenewalReasons(ctx context.Context, now time.Time, plan, state *letsEncryptCertificateModel, diags *diag.Diagnostics) []string {
	var reasons []string
	if exp, err := time.Parse(time.RFC3339, state.ExpiresAt.ValueString()); err == nil && !plan.RenewBeforeDays.IsUnknown() {
		days := plan.RenewBeforeDays.ValueInt64()
		if exp.Sub(now) < time.Duration(days)*24*time.Hour {
			left := exp.Sub(now).Hours() / 24
			if left < 0 {
				reasons = append(reasons, fmt.Sprintf("The certificate expired on %s.", exp.Format(time.RFC3339)))
			} else {
				reasons = append(reasons, fmt.Sprintf("The certificate expires on %s (%.0f days left), within renew_before_days = %d.",
					exp.Format(time.RFC3339), left, days))
			}
		}
	}
	if !plan.Hostnames.IsUnknown() && !plan.Hostnames.IsNull() {
		want, have := certNameList(ctx, plan.Hostnames, diags), certNameList(ctx, state.CertificateHostnames, diags)
		var missing []string
		for _, h := range want {
			if !slices.Contains(have, strings.ToLower(h)) {
				missing = append(missing, h)
			}
		}
		if len(missing) > 0 {
			reasons = append(reasons, fmt.Sprintf("The certificate on the server does not cover %s (it covers: %s).",
				strings.Join(missing, ", "), strings.Join(have, ", ")))
		}
	}
	return reasons
}

// certNameList is a set of host names in the form certificates list them:
// lower case, without a trailing dot, sorted.
func certNameList(ctx context.Context, s types.Set, diags *diag.Diagnostics) []string {
	out := setStrings(ctx, s, diags)
	for i := range out {
		out[i] = strings.ToLower(strings.TrimSuffix(out[i], "."))
	}
	sort.Strings(out)
	return out
}

func (r *letsEncryptCertificateResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan letsEncryptCertificateModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, plan.Timeouts.Create, letsEncryptTimeouts.create)
	defer cancel()
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, plan.Server.ValueString(), nil, resp.Private)...)
	r.issue(ctx, &plan, false, &resp.Diagnostics)
	if plan.ID.IsUnknown() {
		return // nothing was installed
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *letsEncryptCertificateResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state letsEncryptCertificateModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, plan.Timeouts.Update, letsEncryptTimeouts.update)
	defer cancel()
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, plan.Server.ValueString(), req.Private, resp.Private)...)
	if !r.sameEndpoint(plan.Server.ValueString(), state.Server.ValueString()) {
		// The certificate came with its account: it is there, as it was.
		srv, ascii, ok := accountTarget(r.data, &resp.Diagnostics, plan.Server.ValueString(), plan.Domain.ValueString(), "Invalid domain")
		if !ok {
			return
		}
		_, err := srv.client.Certificates.Get(ctx, ascii)
		if !followedAccount(&resp.Diagnostics, srv, state.Server.ValueString(), "certificate", domainObject(ascii), err == nil, err) {
			return
		}
		plan.ID = types.StringValue(serverDomainID(srv.endpoint, ascii))
	}
	// ModifyPlan leaves expires_at unknown when a new certificate is due;
	// otherwise only settings for the next request changed.
	if plan.ExpiresAt.IsUnknown() || !plan.Hostnames.Equal(state.Hostnames) {
		r.issue(ctx, &plan, true, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// issue requests the certificate and fills m from what get-ssl then reports.
func (r *letsEncryptCertificateResource) issue(ctx context.Context, m *letsEncryptCertificateModel, renew bool, diags *diag.Diagnostics) {
	srv, ascii, ok := accountTarget(r.data, diags, m.Server.ValueString(), m.Domain.ValueString(), "Invalid domain")
	if !ok {
		return
	}
	opts := &virtualmin.LetsEncryptOptions{
		SkipDNSCheck:  m.SkipDNSCheck.ValueBool(),
		DNSValidation: m.DNSValidation.ValueBool(),
		Staging:       m.Staging.ValueBool(),
		Renew:         renew,
	}
	if !m.Hostnames.IsUnknown() && !m.Hostnames.IsNull() {
		diags.Append(m.Hostnames.ElementsAs(ctx, &opts.Hosts, false)...)
		sort.Strings(opts.Hosts)
	}
	if _, err := srv.client.Certificates.GenerateLetsEncrypt(ctx, ascii, opts); err != nil {
		certError(diags, srv, "Cannot get a Let's Encrypt certificate", ascii, opts.Hosts, err)
		return
	}
	srv.domains.Invalidate()
	m.ID = types.StringValue(serverDomainID(srv.endpoint, ascii))
	cert, err := srv.client.Certificates.Get(ctx, ascii)
	if err != nil {
		// Installed: keep it in state (tainted) with what is known, so the
		// next refresh reads it instead of a new request being made blindly.
		vmError(diags, srv, "Let's Encrypt certificate installed but not read back", domainObject(ascii), err, "")
		cert = &virtualmin.Certificate{}
	}
	fillCertificate(m, cert)
	if m.Hostnames.IsUnknown() || m.Hostnames.IsNull() {
		m.Hostnames = m.CertificateHostnames
	}
	// The Webmin take-over (docs/virtualmin-api.md): with no certificate file of its own, Webmin
	// starts serving the domain's certificate.
	if dom, err := srv.client.Domains.Get(ctx, ascii); err == nil && slices.Contains(dom.SSLCertUsedBy, "webmin") {
		diags.AddWarning("Webmin now serves this certificate",
			fmt.Sprintf("Server: %s\nDomain: %s\nVirtualmin also installed the new certificate for Webmin itself (Webmin had no "+
				"certificate file of its own). A provider that pins Webmin's certificate (virtualmin.certificate_sha256_pins) "+
				"or trusts a private CA will no longer connect: give Webmin its own certificate (keyfile/certfile in "+
				"miniserv.conf) or update the pin.", srv.endpoint, ascii))
	}
}

// certError reports a failed request: when the program ran and refused,
// with what to do about what it said.
func certError(diags *diag.Diagnostics, srv *vmServer, action, domain string, hosts []string, err error) {
	names := "the account's own names"
	if len(hosts) > 0 {
		names = strings.Join(hosts, ", ")
	}
	hint := ""
	if reason, ok := programRefusal(err); ok {
		hint = "Check that every name points at this server in public DNS and that port 80 reaches its web server " +
			"(or set dns_validation with a zone hosted on the server), then apply again."
		switch {
		case strings.Contains(reason, "could be resolved"):
			hint = "None of the names resolves in DNS as the server sees it. Create the A/AAAA records (or fix the hostnames), wait for " +
				"them to propagate, then apply again."
		case strings.Contains(reason, "No virtual server named"), errors.Is(err, virtualmin.ErrNotFound):
			hint = "The account does not exist on this server: create it first (reference praho_hosting_account.<name>.domain)."
		case strings.Contains(reason, "DNS-based validation failed"):
			hint = "Let's Encrypt could not validate the names, neither over HTTP nor through DNS. Check public DNS and that the " +
				"server can reach acme-v02.api.letsencrypt.org, then apply again."
		}
	}
	vmError(diags, srv, action, domainObject(domain)+"\nNames: "+names, err, hint)
}

func fillCertificate(m *letsEncryptCertificateModel, c *virtualmin.Certificate) {
	names := make([]string, 0, len(c.AltNames)+1)
	for _, n := range c.AltNames {
		names = append(names, strings.ToLower(n))
	}
	if len(names) == 0 && c.CN != "" {
		names = append(names, strings.ToLower(c.CN))
	}
	m.CertificateHostnames = stringSet(slices.Compact(slices.Sorted(slices.Values(names))))
	if c.NotAfter.IsZero() {
		m.ExpiresAt = types.StringValue("")
	} else {
		m.ExpiresAt = types.StringValue(c.NotAfter.UTC().Format(time.RFC3339))
	}
	m.Issuer = types.StringValue(c.IssuerCN)
	m.CertFile = types.StringValue(c.CertFile)
	m.KeyFile = types.StringValue(c.KeyFile)
}

func (r *letsEncryptCertificateResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state letsEncryptCertificateModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withOpTimeout(ctx, &resp.Diagnostics, state.Timeouts.Read, letsEncryptTimeouts.read)
	defer cancel()
	resp.Diagnostics.Append(r.data.syncManagedServer(ctx, state.Server.ValueString(), req.Private, resp.Private)...)
	srv, ascii, ok := accountTarget(r.data, &resp.Diagnostics, state.Server.ValueString(), state.Domain.ValueString(), "Invalid domain in state")
	if !ok {
		return
	}
	cert, err := srv.client.Certificates.Get(ctx, ascii)
	if errors.Is(err, virtualmin.ErrNotFound) {
		// No certificate, or no account: the next apply requests one.
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		if !keepWhenUnreachable(ctx, resp, srv.endpoint, domainObject(ascii), err) {
			vmError(&resp.Diagnostics, srv, "Cannot read the certificate", domainObject(ascii), err, "")
		}
		return
	}
	state.ID = types.StringValue(serverDomainID(srv.endpoint, ascii))
	fillCertificate(&state, cert)
	if state.Hostnames.IsNull() || state.Hostnames.IsUnknown() {
		// After an import: take the names the certificate has.
		state.Hostnames = state.CertificateHostnames
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete forgets the certificate: Virtualmin's remote API has no program
// that removes a domain's certificate (it goes with the account, or when
// the ssl feature is turned off).
func (r *letsEncryptCertificateResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state letsEncryptCertificateModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
}

func (r *letsEncryptCertificateResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !importServerDomain(ctx, req, resp) {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("skip_dns_check"), false)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("dns_validation"), false)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("staging"), false)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("renew_before_days"), int64(defaultRenewBeforeDays))...)
}
