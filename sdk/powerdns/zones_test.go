package powerdns

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/praho/terraform-provider-praho/sdk/powerdns/pdnstest"
)

func TestServers(t *testing.T) {
	c, _ := newClient(t, pdnstest.Shared(t))
	list, err := c.Servers.List(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != "localhost" || list[0].DaemonType != "authoritative" {
		t.Fatalf("servers = %+v", list)
	}
	s, err := c.Servers.Get(ctx(t), "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.Version, "4.") {
		t.Errorf("version = %q, want 4.x", s.Version)
	}
	if _, err := c.Servers.Get(ctx(t), "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown server: err = %v, want ErrNotFound", err)
	}
}

func TestZoneCRUD(t *testing.T) {
	c, _ := newClient(t, pdnstest.Shared(t))
	name := testZone(t)
	// Upper case and no trailing dot: the client canonicalises.
	z := createZone(t, c, ZoneCreate{
		Name:        strings.ToUpper(strings.TrimSuffix(name, ".")),
		Kind:        "native",
		Nameservers: []string{"NS1." + strings.TrimSuffix(name, "."), "ns2." + name},
		Account:     "team-a",
	})
	if z.Name != name || z.ID != name || z.Kind != Native || z.Account != "team-a" {
		t.Fatalf("created zone = %+v", z)
	}
	if z.SOAEditAPI != "DEFAULT" {
		t.Errorf("soa_edit_api = %q, want DEFAULT (unset must not be sent as empty)", z.SOAEditAPI)
	}
	ns := findRRset(z, name, "NS")
	if ns == nil || len(ns.Records) != 2 {
		t.Fatalf("NS rrset = %+v", ns)
	}
	for _, r := range ns.Records {
		if r.Content != "ns1."+name && r.Content != "ns2."+name {
			t.Errorf("NS record %q not canonical", r.Content)
		}
	}

	full, err := c.Zones.Get(ctx(t), name)
	if err != nil {
		t.Fatal(err)
	}
	if findRRset(full, name, "SOA") == nil {
		t.Error("Get: no SOA rrset")
	}
	meta, err := c.Zones.GetWithoutRRsets(ctx(t), strings.TrimSuffix(name, "."))
	if err != nil {
		t.Fatal(err)
	}
	if len(meta.RRsets) != 0 || meta.Serial == 0 {
		t.Errorf("GetWithoutRRsets: %d rrsets, serial %d", len(meta.RRsets), meta.Serial)
	}

	all, err := c.Zones.List(ctx(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(all, func(z Zone) bool { return z.Name == name }) {
		t.Errorf("List lacks %s", name)
	}
	one, err := c.Zones.List(ctx(t), &ZoneListOptions{Zone: name})
	if err != nil {
		t.Fatal(err)
	}
	if len(one) != 1 || one[0].Name != name {
		t.Errorf("List(zone=%s) = %+v", name, one)
	}

	master, acct := Master, "team-b"
	if err := c.Zones.Modify(ctx(t), name, ZoneUpdate{Kind: &master, Account: &acct}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Zones.GetWithoutRRsets(ctx(t), name)
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != Master || got.Account != "team-b" || got.SOAEditAPI != "DEFAULT" {
		t.Errorf("after Modify: kind %q account %q soa_edit_api %q (fields not sent must stay)", got.Kind, got.Account, got.SOAEditAPI)
	}
	slave, masters := Slave, []string{"127.0.0.1:5301"}
	if err := c.Zones.Modify(ctx(t), name, ZoneUpdate{Kind: &slave, Masters: &masters}); err != nil {
		t.Fatal(err)
	}
	got, _ = c.Zones.GetWithoutRRsets(ctx(t), name)
	if got.Kind != Slave || !slices.Equal(got.Masters, masters) {
		t.Errorf("after Modify to Slave: %+v", got)
	}
	bogus := ZoneKind("Bogus")
	if err := c.Zones.Modify(ctx(t), name, ZoneUpdate{Kind: &bogus}); err == nil {
		t.Error("Modify accepted kind Bogus (PowerDNS would silently make it Native)")
	}

	if err := c.Zones.Delete(ctx(t), name); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Zones.Get(ctx(t), name); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: err = %v, want ErrNotFound", err)
	}
	if err := c.Zones.Delete(ctx(t), name); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete (first attempt 404): err = %v, want ErrNotFound", err)
	}
}

func TestCreateSlaveAndMasterZones(t *testing.T) {
	c, _ := newClient(t, pdnstest.Shared(t))
	s := createZone(t, c, ZoneCreate{Kind: Slave, Masters: []string{"127.0.0.1:5399"}, Nameservers: []string{}})
	if s.Kind != Slave || !slices.Equal(s.Masters, []string{"127.0.0.1:5399"}) {
		t.Errorf("slave zone = %+v", s)
	}
	m := createZone(t, c, ZoneCreate{Kind: "MASTER"})
	if m.Kind != Master {
		t.Errorf("kind = %q, want Master", m.Kind)
	}
	if _, err := c.Zones.Create(ctx(t), ZoneCreate{Name: testZone(t), Kind: "Bogus"}); err == nil {
		t.Error("Create accepted kind Bogus")
	}
}

func TestCreateConflictIs409(t *testing.T) {
	c, rec := newClient(t, pdnstest.Shared(t))
	z := createZone(t, c, ZoneCreate{})
	rec.reset()
	for _, name := range []string{z.Name, strings.ToUpper(z.Name)} {
		_, err := c.Zones.Create(ctx(t), ZoneCreate{Name: name, Nameservers: []string{"ns1." + z.Name}})
		if !errors.Is(err, ErrConflict) {
			t.Fatalf("create %s again: err = %v, want ErrConflict", name, err)
		}
		var e *Error
		if !errors.As(err, &e) || e.StatusCode != http.StatusConflict || e.Message != "Conflict" {
			t.Errorf("error = %#v, want 409 with the plain-text body", e)
		}
	}
	if n := rec.count(http.MethodPost); n != 2 {
		t.Errorf("%d POSTs for two conflicting creates, want 2 (a 409 is never retried)", n)
	}
}

func TestTypedErrors(t *testing.T) {
	srv := pdnstest.Shared(t)
	c, _ := newClient(t, srv)
	z := createZone(t, c, ZoneCreate{})

	// 404, plain text.
	_, err := c.Zones.Get(ctx(t), "missing-"+z.Name)
	var e *Error
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &e) || e.StatusCode != 404 || e.Message != "Not Found" {
		t.Errorf("missing zone: %v", err)
	}
	if errors.Is(err, ErrConflict) || errors.Is(err, ErrUnauthorized) {
		t.Error("404 matches other sentinels")
	}

	// 401 with a wrong key; the key never appears in the error.
	bad, _ := newClient(t, srv, WithAPIKey("wrong-secret-key-123"))
	_, err = bad.Zones.List(ctx(t), nil)
	if !errors.Is(err, ErrUnauthorized) {
		t.Errorf("wrong key: err = %v, want ErrUnauthorized", err)
	}
	if strings.Contains(err.Error(), "wrong-secret-key-123") || strings.Contains(err.Error(), srv.APIKey) {
		t.Errorf("error leaks the API key: %v", err)
	}

	// 422: the only JSON error body; its message is kept.
	err = c.Zones.PatchRRsets(ctx(t), z.Name, []RRsetChange{
		{Name: "www.elsewhere.test.", Type: "A", ChangeType: Replace, TTL: 60, Records: []Record{{Content: "192.0.2.1"}}},
	})
	if !errors.Is(err, ErrUnprocessable) || !errors.As(err, &e) || !strings.Contains(e.Message, "out of zone") {
		t.Errorf("out-of-zone rrset: err = %v, want 422 'Name is out of zone'", err)
	}
	err = c.Zones.PatchRRsets(ctx(t), z.Name, []RRsetChange{
		{Name: "www." + z.Name, Type: "BOGUS", ChangeType: Replace, TTL: 60, Records: []Record{{Content: "x"}}},
	})
	if !errors.Is(err, ErrUnprocessable) || !strings.Contains(err.Error(), "unknown type") {
		t.Errorf("unknown type: err = %v", err)
	}

	// Content that cannot be canonicalised is refused before any call.
	c2, rec := newClient(t, srv)
	err = c2.Zones.PatchRRsets(ctx(t), z.Name, []RRsetChange{
		{Name: "www." + z.Name, Type: "A", ChangeType: Replace, TTL: 60, Records: []Record{{Content: "not-an-ip"}}},
	})
	if err == nil || len(rec.calls()) != 0 {
		t.Errorf("bad A content: err = %v after %d calls, want an error and no call", err, len(rec.calls()))
	}
}

func TestMetadata(t *testing.T) {
	c, rec := newClient(t, pdnstest.Shared(t))
	z := createZone(t, c, ZoneCreate{})
	m, err := c.Metadata.Set(ctx(t), z.Name, "ALLOW-AXFR-FROM", []string{"127.0.0.1/32", "AUTO-NS"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != "ALLOW-AXFR-FROM" || !slices.Equal(m.Metadata, []string{"127.0.0.1/32", "AUTO-NS"}) {
		t.Errorf("Set = %+v", m)
	}
	if _, err := c.Metadata.Set(ctx(t), z.Name, "x-managed-by", []string{"praho"}); err != nil {
		t.Fatal(err)
	}
	rec.reset()
	if m, err = c.Metadata.Append(ctx(t), z.Name, "X-MANAGED-BY", []string{"sdk"}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Metadata, []string{"praho", "sdk"}) {
		t.Errorf("Append = %+v, want both values", m)
	}
	got, err := c.Metadata.Get(ctx(t), z.Name, "X-MANAGED-BY")
	if err != nil || !slices.Equal(got.Metadata, []string{"praho", "sdk"}) {
		t.Errorf("Get = %+v, %v", got, err)
	}
	list, err := c.Metadata.List(ctx(t), z.Name)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string][]string{}
	for _, m := range list {
		kinds[m.Kind] = m.Metadata
	}
	if !slices.Equal(kinds["SOA-EDIT-API"], []string{"DEFAULT"}) || len(kinds["X-MANAGED-BY"]) != 2 || len(kinds["ALLOW-AXFR-FROM"]) != 2 {
		t.Errorf("List = %+v", list)
	}
	if err := c.Metadata.Delete(ctx(t), z.Name, "X-MANAGED-BY"); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Metadata.Get(ctx(t), z.Name, "X-MANAGED-BY"); err == nil && len(got.Metadata) != 0 {
		t.Errorf("after Delete: %+v", got)
	}
	if _, err := c.Metadata.Set(ctx(t), z.Name, "NOT-A-KIND", []string{"x"}); !errors.Is(err, ErrUnprocessable) {
		t.Errorf("unknown kind: err = %v, want ErrUnprocessable", err)
	}
	if _, err := c.Metadata.Set(ctx(t), z.Name, "SOA-EDIT-API", []string{""}); !errors.Is(err, ErrUnprocessable) {
		t.Errorf("API-managed kind: err = %v, want ErrUnprocessable", err)
	}
}

func TestRectifyNotifyExport(t *testing.T) {
	c, _ := newClient(t, pdnstest.Shared(t))
	z := createZone(t, c, ZoneCreate{DNSSEC: true, Kind: Master})
	if err := c.Zones.PatchRRsets(ctx(t), z.Name, []RRsetChange{
		{Name: "www." + z.Name, Type: "A", ChangeType: Replace, TTL: 60, Records: []Record{{Content: "192.0.2.1"}}},
	}); err != nil {
		t.Fatal(err)
	}
	res, err := c.Zones.Rectify(ctx(t), z.Name)
	if err != nil || res != "Rectified" {
		t.Errorf("Rectify = %q, %v", res, err)
	}
	res, err = c.Zones.Notify(ctx(t), z.Name)
	if err != nil || !strings.Contains(res, "Notification queued") {
		t.Errorf("Notify = %q, %v", res, err)
	}
	text, err := c.Zones.Export(ctx(t), z.Name)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "www."+z.Name+"\t60\tIN\tA\t192.0.2.1") || !strings.Contains(text, "\tSOA\t") {
		t.Errorf("export lacks the records:\n%s", text)
	}
	if _, err := c.Zones.Rectify(ctx(t), "missing-"+z.Name); !errors.Is(err, ErrNotFound) {
		t.Errorf("rectify missing zone: %v", err)
	}
}

func TestCryptokeysWithDNSSEC(t *testing.T) {
	c, _ := newClient(t, pdnstest.Shared(t))
	signed := createZone(t, c, ZoneCreate{DNSSEC: true})
	if !signed.DNSSEC {
		t.Error("zone not marked dnssec")
	}
	keys, err := c.Cryptokeys.List(ctx(t), signed.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) == 0 || !keys[0].Active || keys[0].DNSKey == "" || len(keys[0].DS) == 0 || keys[0].PrivateKey != "" {
		t.Fatalf("keys = %+v", keys)
	}
	k, err := c.Cryptokeys.Get(ctx(t), signed.Name, keys[0].ID)
	if err != nil || k.PrivateKey == "" || k.DNSKey != keys[0].DNSKey {
		t.Errorf("Get key: private key present %v, err %v", k != nil && k.PrivateKey != "", err)
	}
	plain := createZone(t, c, ZoneCreate{})
	keys, err = c.Cryptokeys.List(ctx(t), plain.Name)
	if err != nil || len(keys) != 0 {
		t.Errorf("unsigned zone keys = %+v, %v", keys, err)
	}
}

func TestCreateZoneWithRRsets(t *testing.T) {
	for _, be := range []pdnstest.Backend{pdnstest.LMDB, pdnstest.SQLite3} {
		t.Run(string(be), func(t *testing.T) {
			c, _ := newClient(t, pdnstest.Shared(t, pdnstest.WithBackend(be)))
			name := testZone(t)
			z := createZone(t, c, ZoneCreate{Name: name, RRsets: []RRset{
				{Name: "WWW." + strings.TrimSuffix(name, "."), Type: "aaaa", TTL: 60, Records: []Record{{Content: "2001:DB8:0::1"}}},
				{Name: name, Type: "TXT", TTL: 60, Records: []Record{{Content: "hello"}}},
			}})
			if rr := findRRset(z, "www."+name, "AAAA"); rr == nil || rr.Records[0].Content != "2001:db8::1" {
				t.Errorf("AAAA = %+v", rr)
			}
			if rr := findRRset(z, name, "TXT"); rr == nil || rr.Records[0].Content != `"hello"` {
				t.Errorf("TXT = %+v", rr)
			}
		})
	}
}

func TestZoneID(t *testing.T) {
	for in, want := range map[string]string{
		"Example.ORG":                "example.org.",
		"example.org.":               "example.org.",
		".":                          "=2E",
		"_tcp.example.":              "=5Ftcp.example.",
		"0/26.2.0.192.in-addr.arpa.": "0=2F26.2.0.192.in-addr.arpa.",
	} {
		if got := ZoneID(in); got != want {
			t.Errorf("ZoneID(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestZoneNamesNeedingEscapes: zones whose names hold '/' or '_' are
// reached through their PowerDNS zone id.
func TestZoneNamesNeedingEscapes(t *testing.T) {
	c, _ := newClient(t, pdnstest.Shared(t))
	for _, name := range []string{"0/26.2.0.192.in-addr.arpa.", "_under.test."} {
		z := createZone(t, c, ZoneCreate{Name: name, Nameservers: []string{"ns1.example."}})
		if z.Name != name || z.ID != ZoneID(name) {
			t.Errorf("zone = %q id %q, want %q id %q", z.Name, z.ID, name, ZoneID(name))
		}
		if err := c.Zones.PatchRRsets(ctx(t), name, []RRsetChange{{Name: "x." + name, Type: "TXT", ChangeType: Replace, TTL: 60, Records: []Record{{Content: "ok"}}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Zones.GetRRset(ctx(t), name, "x."+name, "TXT"); err != nil {
			t.Error(err)
		}
		if err := c.Zones.Delete(ctx(t), name); err != nil {
			t.Error(err)
		}
	}
}
