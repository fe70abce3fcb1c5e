package powerdns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/praho/terraform-provider-praho/sdk/dns"
	"github.com/praho/terraform-provider-praho/sdk/internal/retry"
)

// ZoneKind is how PowerDNS serves a zone.
type ZoneKind string

// Zone kinds. PowerDNS takes them case-insensitively and silently turns an
// unknown kind into Native, so the client refuses any other value.
const (
	Native ZoneKind = "Native"
	Master ZoneKind = "Master"
	Slave  ZoneKind = "Slave"
)

// canonicalKind returns k in PowerDNS's spelling, or an error.
func canonicalKind(k ZoneKind) (ZoneKind, error) {
	for _, v := range []ZoneKind{Native, Master, Slave} {
		if strings.EqualFold(string(k), string(v)) {
			return v, nil
		}
	}
	return "", fmt.Errorf("powerdns: zone kind %q is not Native, Master or Slave", k)
}

// Zone is a zone as the API returns it.
type Zone struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	Kind           ZoneKind `json:"kind"`
	URL            string   `json:"url"`
	Serial         uint32   `json:"serial"`
	EditedSerial   uint32   `json:"edited_serial"`
	NotifiedSerial uint32   `json:"notified_serial"`
	Masters        []string `json:"masters"`
	Account        string   `json:"account"`
	DNSSEC         bool     `json:"dnssec"`
	NSEC3Param     string   `json:"nsec3param"`
	NSEC3Narrow    bool     `json:"nsec3narrow"`
	SOAEdit        string   `json:"soa_edit"`
	// SOAEditAPI is how the API bumps the SOA serial on changes ("DEFAULT",
	// "INCREASE", "EPOCH"...). Empty means never: secondaries then never see
	// a change.
	SOAEditAPI string `json:"soa_edit_api"`
	APIRectify bool   `json:"api_rectify"`
	Catalog    string `json:"catalog"`
	LastCheck  int64  `json:"last_check"`
	// RRsets is empty when the zone was read without them.
	RRsets []RRset `json:"rrsets"`
}

// ZoneCreate is the body of a zone creation.
type ZoneCreate struct {
	// Name of the zone; canonicalised (lowercase, trailing dot).
	Name string
	// Kind is Native (default), Master or Slave.
	Kind ZoneKind
	// Nameservers become the apex NS RRset (canonicalised).
	Nameservers []string
	// Masters are the primaries ("192.0.2.1" or "192.0.2.1:5300") of a Slave zone.
	Masters []string
	// Account is free text PowerDNS keeps with the zone.
	Account string
	// SOAEditAPI: nil leaves it to PowerDNS, which uses DEFAULT (the serial
	// goes up with every API change). A pointer to "" really sends "", which
	// freezes the serial: secondaries never see a change. Leave it nil unless
	// you mean it.
	SOAEditAPI *string
	// SOAEdit is the SOA-EDIT metadata (serial rewriting when serving); nil
	// leaves it unset.
	SOAEdit *string
	// DNSSEC signs the zone with a new key (ECDSAP256SHA256 by default).
	DNSSEC bool
	// APIRectify rectifies the zone after each API change (DNSSEC zones).
	APIRectify *bool
	// NSEC3Param, e.g. "1 0 0 -"; empty means NSEC.
	NSEC3Param string
	// RRsets are created with the zone (canonicalised like PatchRRsets).
	RRsets []RRset
}

type zoneCreateBody struct {
	Name        string   `json:"name"`
	Kind        ZoneKind `json:"kind"`
	Nameservers []string `json:"nameservers"`
	Masters     []string `json:"masters,omitempty"`
	Account     string   `json:"account,omitempty"`
	SOAEditAPI  *string  `json:"soa_edit_api,omitempty"`
	SOAEdit     *string  `json:"soa_edit,omitempty"`
	DNSSEC      bool     `json:"dnssec"`
	APIRectify  *bool    `json:"api_rectify,omitempty"`
	NSEC3Param  string   `json:"nsec3param,omitempty"`
	RRsets      []RRset  `json:"rrsets,omitempty"`
}

// ZoneUpdate changes some fields of a zone (PUT): nil fields are left as
// they are.
type ZoneUpdate struct {
	Kind       *ZoneKind `json:"kind,omitempty"`
	Masters    *[]string `json:"masters,omitempty"`
	Account    *string   `json:"account,omitempty"`
	SOAEditAPI *string   `json:"soa_edit_api,omitempty"`
	SOAEdit    *string   `json:"soa_edit,omitempty"`
	DNSSEC     *bool     `json:"dnssec,omitempty"`
	APIRectify *bool     `json:"api_rectify,omitempty"`
	NSEC3Param *string   `json:"nsec3param,omitempty"`
	Catalog    *string   `json:"catalog,omitempty"`
}

// ZonesService manages zones: /servers/{server}/zones.
type ZonesService struct{ c *Client }

// ZoneListOptions filters List.
type ZoneListOptions struct {
	// Zone limits the answer to the zone of that name.
	Zone string
	// DNSSEC asks for the dnssec and edited_serial fields (slower on big servers).
	DNSSEC *bool
}

func (s *ZonesService) zonePath(zone string) string {
	return s.c.serverPath() + "/zones/" + ZoneID(zone)
}

// ZoneID is the id PowerDNS gives a zone in URLs: the canonical name with
// every byte other than letters, digits, '.' and '-' written "=XX" (so
// "0/26.2.0.192.in-addr.arpa." is "0=2F26.2.0.192.in-addr.arpa."), and "=2E"
// for the root.
func ZoneID(zone string) string {
	name := dns.CanonicalName(zone)
	if name == "." {
		return "=2E"
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		ch := name[i]
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '-' {
			b.WriteByte(ch)
		} else {
			fmt.Fprintf(&b, "=%02X", ch)
		}
	}
	return b.String()
}

// List returns the zones (without RRsets). A read: retried.
func (s *ZonesService) List(ctx context.Context, opts *ZoneListOptions) ([]Zone, error) {
	q := url.Values{}
	if opts != nil {
		if opts.Zone != "" {
			q.Set("zone", dns.CanonicalName(opts.Zone))
		}
		if opts.DNSSEC != nil {
			q.Set("dnssec", fmt.Sprint(*opts.DNSSEC))
		}
	}
	var out []Zone
	_, err := s.c.do(ctx, http.MethodGet, s.c.serverPath()+"/zones", q, nil, &out, retrySafe)
	return out, err
}

// Get returns a zone with all its RRsets. A read: retried.
func (s *ZonesService) Get(ctx context.Context, zone string) (*Zone, error) {
	return s.get(ctx, zone, nil)
}

// GetWithoutRRsets returns a zone's settings and serial only (?rrsets=false),
// cheap for big zones. A read: retried.
func (s *ZonesService) GetWithoutRRsets(ctx context.Context, zone string) (*Zone, error) {
	return s.get(ctx, zone, url.Values{"rrsets": {"false"}})
}

func (s *ZonesService) get(ctx context.Context, zone string, q url.Values) (*Zone, error) {
	var z Zone
	if _, err := s.c.do(ctx, http.MethodGet, s.zonePath(zone), q, nil, &z, retrySafe); err != nil {
		return nil, err
	}
	return &z, nil
}

// Create creates a zone and returns it with its RRsets.
//
// A zone POST is not idempotent (a repeat answers 409), so it is never
// retried blindly: when its answer is a 5xx or lost, Create reads the zone.
// Absent: the POST did not happen (PowerDNS rolls back a failed write) and is
// sent again after a backoff, within the client's RetryPolicy. Present as
// requested: the lost answer was a success and the zone is returned. Present
// otherwise, or when that read fails too, the result is ErrUnknownOutcome.
func (s *ZonesService) Create(ctx context.Context, zc ZoneCreate) (*Zone, error) {
	body, err := newZoneCreateBody(zc)
	if err != nil {
		return nil, err
	}
	path := s.c.serverPath() + "/zones"
	var created *Zone
	_, err = retry.Do(ctx, retry.Policy(s.c.retry), retry.Hooks{}, func(int) (bool, error) {
		var z Zone
		_, err := s.c.do(ctx, http.MethodPost, path, nil, body, &z, retryNever)
		if err == nil {
			created = &z
			return false, nil
		}
		if !outcomeUnknown(err) {
			return false, err
		}
		got, gerr := s.Get(ctx, body.Name)
		switch {
		case gerr == nil && asCreated(got, body):
			s.c.logger.WarnContext(ctx, "powerdns zone create: answer lost, the zone exists as requested", "zone", body.Name, "error", err.Error())
			created = got
			return false, nil
		case gerr == nil:
			// It exists but not as this call would have made it: someone
			// else's zone (the lost answer may have been a 409).
			return false, fmt.Errorf("%w: create zone %s: %w; the zone exists with other settings or records", ErrUnknownOutcome, body.Name, err)
		case !errors.Is(gerr, ErrNotFound):
			return false, fmt.Errorf("%w: create zone %s: %w (checking afterwards: %w)", ErrUnknownOutcome, body.Name, err, gerr)
		}
		return true, err // known outcome: not created, safe to send again
	})
	if err != nil {
		return nil, err
	}
	return created, nil
}

// asCreated reports whether z is exactly what the create body makes: same
// kind, account, masters and nothing but the SOA, the NS of the body and its
// RRsets. Only then is a zone found after a lost answer taken as ours.
func asCreated(z *Zone, b *zoneCreateBody) bool {
	if z.Kind != b.Kind || z.Account != b.Account || len(z.Masters) != len(b.Masters) || z.DNSSEC != b.DNSSEC {
		return false
	}
	want := map[string]int{}
	for _, rr := range b.RRsets {
		want[rr.Name+" "+rr.Type] = len(rr.Records)
	}
	if len(b.Nameservers) > 0 {
		want[b.Name+" NS"] = len(b.Nameservers)
	}
	for _, rr := range z.RRsets {
		k := dns.CanonicalName(rr.Name) + " " + dns.CanonicalType(rr.Type)
		if k == b.Name+" SOA" {
			continue
		}
		n, ok := want[k]
		if !ok || n != len(rr.Records) {
			return false
		}
		delete(want, k)
	}
	return len(want) == 0
}

func newZoneCreateBody(zc ZoneCreate) (*zoneCreateBody, error) {
	name := dns.CanonicalName(zc.Name)
	if name == "" || name == "." {
		return nil, fmt.Errorf("powerdns: invalid zone name %q", zc.Name)
	}
	kind := Native
	if zc.Kind != "" {
		k, err := canonicalKind(zc.Kind)
		if err != nil {
			return nil, err
		}
		kind = k
	}
	b := &zoneCreateBody{
		Name:        name,
		Kind:        kind,
		Nameservers: make([]string, 0, len(zc.Nameservers)),
		Masters:     zc.Masters,
		Account:     zc.Account,
		SOAEditAPI:  zc.SOAEditAPI,
		SOAEdit:     zc.SOAEdit,
		DNSSEC:      zc.DNSSEC,
		APIRectify:  zc.APIRectify,
		NSEC3Param:  zc.NSEC3Param,
	}
	for _, ns := range zc.Nameservers {
		b.Nameservers = append(b.Nameservers, dns.CanonicalName(ns))
	}
	for _, rr := range zc.RRsets {
		c, err := canonicalRRset(rr)
		if err != nil {
			return nil, err
		}
		b.RRsets = append(b.RRsets, c)
	}
	return b, nil
}

// Modify changes the given fields of a zone (PUT, partial). Setting fields to
// given values is idempotent: retried.
func (s *ZonesService) Modify(ctx context.Context, zone string, u ZoneUpdate) error {
	if u.Kind != nil {
		k, err := canonicalKind(*u.Kind)
		if err != nil {
			return err
		}
		u.Kind = &k
	}
	_, err := s.c.do(ctx, http.MethodPut, s.zonePath(zone), nil, u, nil, retrySafe)
	return err
}

// Delete deletes a zone and all its data. Retried: deleting twice leaves the
// same state, and a 404 after a retried attempt means an earlier attempt
// deleted it, so it is success. A 404 on the first attempt is ErrNotFound.
func (s *ZonesService) Delete(ctx context.Context, zone string) error {
	r, err := s.c.do(ctx, http.MethodDelete, s.zonePath(zone), nil, nil, nil, retrySafe)
	if err != nil && errors.Is(err, ErrNotFound) && r != nil && r.attempts > 1 {
		return nil
	}
	return err
}

// Rectify recomputes the DNSSEC ordering and auth fields of a zone and
// returns PowerDNS's result text ("Rectified"). Idempotent: retried.
func (s *ZonesService) Rectify(ctx context.Context, zone string) (string, error) {
	var out struct {
		Result string `json:"result"`
	}
	_, err := s.c.do(ctx, http.MethodPut, s.zonePath(zone)+"/rectify", nil, nil, &out, retrySafe)
	return out.Result, err
}

// Notify queues a DNS NOTIFY to the zone's secondaries and returns the
// result text ("Notification queued"). Retried: a repeated NOTIFY only makes
// secondaries check the serial once more.
func (s *ZonesService) Notify(ctx context.Context, zone string) (string, error) {
	var out struct {
		Result string `json:"result"`
	}
	_, err := s.c.do(ctx, http.MethodPut, s.zonePath(zone)+"/notify", nil, nil, &out, retrySafe)
	return out.Result, err
}

// Export returns the zone in zone-file format. A read: retried.
func (s *ZonesService) Export(ctx context.Context, zone string) (string, error) {
	var text string
	if _, err := s.c.do(ctx, http.MethodGet, s.zonePath(zone)+"/export", nil, nil, &text, retrySafe); err != nil {
		return "", err
	}
	// Asked for JSON (our Accept header), PowerDNS wraps the text in
	// {"zone": "..."}; without it, it answers text/plain.
	var j struct {
		Zone *string `json:"zone"`
	}
	if strings.HasPrefix(strings.TrimSpace(text), "{") && json.Unmarshal([]byte(text), &j) == nil && j.Zone != nil {
		return *j.Zone, nil
	}
	return text, nil
}
