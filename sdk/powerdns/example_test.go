package powerdns_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/dns"
	"github.com/praho/terraform-provider-praho/sdk/powerdns"
	"github.com/praho/terraform-provider-praho/sdk/powerdns/pdnstest"
)

// Example starts a real pdns_server, creates a zone, writes RRsets in one
// atomic PATCH (in whatever form the caller writes names and content) and
// reads them back canonical.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := pdnstest.StartProcess(ctx, pdnstest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Stop()

	c, err := powerdns.NewClient(srv.APIURL, powerdns.WithAPIKey(srv.APIKey))
	if err != nil {
		log.Fatal(err)
	}
	z, err := c.Zones.Create(ctx, powerdns.ZoneCreate{Name: "Example.ORG", Nameservers: []string{"ns1.example.org"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(z.Name, z.Kind, z.SOAEditAPI)

	err = c.Zones.PatchRRsets(ctx, z.Name, []powerdns.RRsetChange{
		{Name: "WWW.example.org", Type: "AAAA", ChangeType: powerdns.Replace, TTL: 300,
			Records: []powerdns.Record{{Content: "2001:0DB8:0000::0001"}}},
		{Name: "example.org", Type: "TXT", ChangeType: powerdns.Replace, TTL: 300,
			Records: []powerdns.Record{{Content: "v=spf1 -all"}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	rr, err := c.Zones.GetRRset(ctx, z.Name, "www.example.org.", "AAAA")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rr.Name, rr.Type, rr.TTL, rr.Records[0].Content)

	// The same zone through the model of sdk/dns.
	rrsets, err := c.Backend().RRsets(ctx, "example.org")
	if err != nil {
		log.Fatal(err)
	}
	for _, rr := range rrsets {
		if rr.Type != "SOA" {
			fmt.Println(rr.Name, rr.Type, rr.Records[0].Content)
		}
	}
	var _ dns.Backend = c.Backend()
	// Output:
	// example.org. Native DEFAULT
	// www.example.org. AAAA 300 2001:db8::1
	// example.org. NS ns1.example.org.
	// example.org. TXT "v=spf1 -all"
	// www.example.org. AAAA 2001:db8::1
}
