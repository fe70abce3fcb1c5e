package provider

// What the DNS resources share: the backends of the run (a zone lifecycle
// and a zone store each), the backends attribute, timeouts, and the errors
// that name the setting to fix.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/praho/terraform-provider-praho/sdk/cloudflare"
	"github.com/praho/terraform-provider-praho/sdk/dns"
	"github.com/praho/terraform-provider-praho/sdk/powerdns"
)

// dnsBackends are the DNS services a zone or a record can live on, in the
// order they are written.
var dnsBackends = []string{"powerdns", "cloudflare"}

const (
	// dnsTimeout is the default timeout of every operation of the DNS
	// resources (their timeouts block).
	dnsTimeout = 5 * time.Minute
	// dnsUndoTimeout bounds an undo (deleting what one backend made when
	// another failed), which runs even after the operation's context ended.
	dnsUndoTimeout = time.Minute
)

// undoContext is the context of an undo: ctx's values (logging) without its
// end, which may be what failed, and a bound of its own.
func undoContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), dnsUndoTimeout)
}

// dnsBackend is one DNS backend of the run: the zone lifecycle and, in front
// of its RRsets, the store that coalesces reads and batches writes.
type dnsBackend struct {
	name  string
	zones dns.ZoneBackend
	store *zoneStore
}

// dnsBackend returns the named backend of the run, built on first use.
func (d *providerData) dnsBackend(name string) (*dnsBackend, error) {
	switch name {
	case "powerdns":
		d.pdnsOnce.Do(func() { d.pdns, d.pdnsErr = d.newPowerDNS() })
		return d.pdns, d.pdnsErr
	case "cloudflare":
		d.cfOnce.Do(func() { d.cf, d.cfErr = d.newCloudflare() })
		return d.cf, d.cfErr
	}
	return nil, fmt.Errorf("unknown DNS backend %q: want one of %v", name, dnsBackends)
}

func (d *providerData) newPowerDNS() (*dnsBackend, error) {
	c := d.cfg.PowerDNS
	if c.APIURL == "" || c.APIKey == "" {
		return nil, errors.New("PowerDNS is not configured: set api_url and api_key in the provider's " +
			"powerdns block, or the environment variables PDNS_API_URL and PDNS_API_KEY")
	}
	client, err := powerdns.NewClient(c.APIURL,
		powerdns.WithAPIKey(c.APIKey),
		powerdns.WithServerID(c.ServerID),
		powerdns.WithLogger(sdkLogger(d.logCtx, c.APIKey)),
	)
	if err != nil {
		return nil, err
	}
	// The zone store checks creates against a recent read itself.
	return newDNSBackend("powerdns", client.Backend(powerdns.WithoutCreateGuard())), nil
}

func (d *providerData) newCloudflare() (*dnsBackend, error) {
	c := d.cfg.Cloudflare
	if c.APIToken == "" {
		return nil, errors.New("the Cloudflare backend is not configured: set api_token in the provider's cloudflare block, " +
			"or the environment variable CLOUDFLARE_API_TOKEN")
	}
	client, err := cloudflare.NewClient(cloudflare.WithAPIToken(c.APIToken), cloudflare.WithBaseURL(c.BaseURL),
		cloudflare.WithLogger(sdkLogger(d.logCtx, c.APIToken)))
	if err != nil {
		return nil, err
	}
	return newDNSBackend("cloudflare", cloudflare.NewBackend(client, cloudflare.WithProxied(func(name, rrtype string) bool {
		v, ok := d.cfProxied.Load(name + "|" + rrtype)
		return ok && v.(bool)
	}))), nil
}

func newDNSBackend(name string, b dns.ZoneBackend) *dnsBackend {
	zb := settingsErrorsBackend{b}
	return &dnsBackend{name: name, zones: zb, store: newZoneStore(zb)}
}

// dnsBackendsOf returns the backends named in set (PowerDNS when it is null
// or unknown), in the order of dnsBackends. A backend that cannot be built
// is an error on the backends attribute.
func (d *providerData) dnsBackendsOf(ctx context.Context, diags *diag.Diagnostics, set types.Set) []*dnsBackend {
	if d == nil {
		diags.AddError("Provider not configured", "The provider was not configured before the resource was used. This is a bug in the provider.")
		return nil
	}
	var out []*dnsBackend
	for _, name := range backendNames(ctx, diags, set) {
		b, err := d.dnsBackend(name)
		if err != nil {
			diags.AddAttributeError(path.Root("backends"), "DNS backend unavailable", err.Error())
			return nil
		}
		out = append(out, b)
	}
	return out
}

// backendNames returns the names in a backends set in the order of
// dnsBackends; PowerDNS when the set is null or unknown.
func backendNames(ctx context.Context, diags *diag.Diagnostics, set types.Set) []string {
	var names []string
	if !set.IsNull() && !set.IsUnknown() {
		diags.Append(set.ElementsAs(ctx, &names, false)...)
	}
	if len(names) == 0 {
		return []string{"powerdns"}
	}
	out := make([]string, 0, len(names))
	for _, b := range dnsBackends {
		if slices.Contains(names, b) {
			out = append(out, b)
		}
	}
	return out
}

// backendsAttribute is the backends attribute of the DNS resources: what
// lives where, PowerDNS by default. what is the resource's own sentence.
func backendsAttribute(what string, planModifiers ...planmodifier.Set) schema.SetAttribute {
	return schema.SetAttribute{
		Optional:            true,
		Computed:            true,
		ElementType:         types.StringType,
		Default:             setdefault.StaticValue(types.SetValueMust(types.StringType, []attr.Value{types.StringValue("powerdns")})),
		MarkdownDescription: what + " Defaults to `[\"powerdns\"]`.",
		Validators: []validator.Set{
			setvalidator.SizeAtLeast(1),
			setvalidator.ValueStringsAre(stringvalidator.OneOf(dnsBackends...)),
		},
		PlanModifiers: planModifiers,
	}
}

// dnsErrorDetail is the detail of a failed DNS call: the error, and what to
// do when it is the operation's timeout.
func dnsErrorDetail(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return err.Error() + "\nThe operation ran out of time: raise its entry in the resource's timeouts block (5 minutes " +
			"by default). Nothing keeps running after it; the next plan reads what the backend holds."
	}
	return err.Error()
}

// zoneMissing reports an error that means the zone does not exist.
func zoneMissing(err error) bool { return errors.Is(err, dns.ErrZoneNotFound) }

// zoneReadError turns a failed zone read into a diagnostic that says which
// zone and what to do.
func zoneReadError(diags *diag.Diagnostics, backend, zone string, err error) {
	if zoneMissing(err) {
		diags.AddError("Zone not found",
			fmt.Sprintf("%s has no zone %q. Create it first (praho_dns_zone, pdnsutil create-zone, or the Cloudflare dashboard) "+
				"and check the provider's settings (powerdns.server_id, the Cloudflare token's account).", backend, dns.CanonicalName(zone)))
		return
	}
	diags.AddError(fmt.Sprintf("Cannot read zone %s on %s", dns.CanonicalName(zone), backend), dnsErrorDetail(err))
}

// dnsSettingsError says, in the provider's terms, which setting to fix when
// a DNS backend refused the provider's credentials (instead of a bare "401
// Unauthorized"); any other error is returned as it is. The SDK error stays
// wrapped, for errors.Is.
func dnsSettingsError(err error) error {
	switch {
	case errors.Is(err, powerdns.ErrUnauthorized):
		return fmt.Errorf("PowerDNS refused the API key: check api_key in the provider's powerdns block (environment: "+
			"PDNS_API_KEY) against the api-key setting of the PowerDNS server (%w)", err)
	case errors.Is(err, cloudflare.ErrAuth):
		return fmt.Errorf("the Cloudflare API refused the token: check api_token in the provider's cloudflare block (environment: "+
			"CLOUDFLARE_API_TOKEN); it needs Zone:Read and DNS:Edit on the zone (%w)", err)
	}
	return err
}

// settingsErrorsBackend is a DNS backend whose refusals of the provider's
// credentials are worded by dnsSettingsError.
type settingsErrorsBackend struct{ dns.ZoneBackend }

func (b settingsErrorsBackend) RRsets(ctx context.Context, zone string) ([]dns.RRset, error) {
	rrs, err := b.ZoneBackend.RRsets(ctx, zone)
	return rrs, dnsSettingsError(err)
}

func (b settingsErrorsBackend) Apply(ctx context.Context, zone string, changes []dns.Change) error {
	return dnsSettingsError(b.ZoneBackend.Apply(ctx, zone, changes))
}

func (b settingsErrorsBackend) CreateZone(ctx context.Context, z dns.Zone) (*dns.Zone, error) {
	out, err := b.ZoneBackend.CreateZone(ctx, z)
	return out, dnsSettingsError(err)
}

func (b settingsErrorsBackend) Zone(ctx context.Context, name string) (*dns.Zone, error) {
	out, err := b.ZoneBackend.Zone(ctx, name)
	return out, dnsSettingsError(err)
}

func (b settingsErrorsBackend) UpdateZone(ctx context.Context, name string, s dns.ZoneSettings) error {
	return dnsSettingsError(b.ZoneBackend.UpdateZone(ctx, name, s))
}

func (b settingsErrorsBackend) DeleteZone(ctx context.Context, name string) error {
	return dnsSettingsError(b.ZoneBackend.DeleteZone(ctx, name))
}

// importBackends reads the optional backends part of an import ID
// ("powerdns,cloudflare"); PowerDNS when there is none. It returns false
// after adding an "Invalid import ID" error.
func importBackends(diags *diag.Diagnostics, rest []string) ([]string, bool) {
	if len(rest) == 0 || rest[0] == "" {
		return []string{"powerdns"}, true
	}
	names := strings.Split(rest[0], ",")
	for _, b := range names {
		if !slices.Contains(dnsBackends, b) {
			diags.AddError("Invalid import ID", fmt.Sprintf("backend %q is not one of %s", b, strings.Join(dnsBackends, ", ")))
			return nil, false
		}
	}
	return names, true
}
