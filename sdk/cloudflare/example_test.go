package cloudflare_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/praho/terraform-provider-praho/sdk/cloudflare"
	"github.com/praho/terraform-provider-praho/sdk/cloudflare/cloudflaretest"
	"github.com/praho/terraform-provider-praho/sdk/dns"
)

func Example() {
	// A fake stands in for https://api.cloudflare.com/client/v4 here.
	fake := cloudflaretest.NewServer()
	defer fake.Close()
	zoneID := fake.AddZone("example.com")

	c, err := cloudflare.NewClient(cloudflare.WithAPIToken(fake.Token), cloudflare.WithBaseURL(fake.URL))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	rec, err := c.Records.Create(ctx, zoneID, cloudflare.Record{Name: "www.example.com", Type: "A", Content: "192.0.2.1", TTL: 300})
	if err != nil {
		panic(err)
	}
	fmt.Println(rec.Name, rec.Type, rec.Content, rec.TTL)

	_, err = c.Records.Create(ctx, zoneID, cloudflare.Record{Name: "www.example.com", Type: "A", Content: "192.0.2.1", TTL: 300})
	fmt.Println(errors.Is(err, cloudflare.ErrAlreadyExists))

	_, err = c.Records.Create(ctx, zoneID, cloudflare.Record{Name: "cdn.example.com", Type: "A", Content: "192.0.2.2", TTL: 300, Proxied: true})
	fmt.Println(errors.Is(err, cloudflare.ErrProxiedTTL))
	// Output:
	// www.example.com A 192.0.2.1 300
	// true
	// true
}

func ExampleBackend() {
	fake := cloudflaretest.NewServer()
	defer fake.Close()
	fake.AddZone("example.com")
	c, err := cloudflare.NewClient(cloudflare.WithAPIToken(fake.Token), cloudflare.WithBaseURL(fake.URL))
	if err != nil {
		panic(err)
	}
	backend := cloudflare.NewBackend(c)
	desired := []dns.RRset{{Name: "www", Type: "A", TTL: 300, Records: []dns.Record{{Content: "192.0.2.1"}, {Content: "192.0.2.2"}}}}
	results := dns.ApplyDesired(context.Background(), "example.com", desired, dns.DiffOptions{}, backend)
	fmt.Println(results[0].Backend, len(results[0].Applied), results[0].Err)

	rrsets, err := backend.RRsets(context.Background(), "example.com")
	if err != nil {
		panic(err)
	}
	for _, rr := range rrsets {
		fmt.Println(rr.Name, rr.Type, rr.TTL, rr.Records)
	}
	// Output:
	// cloudflare 1 <nil>
	// www.example.com. A 300 [{192.0.2.1 false} {192.0.2.2 false}]
}
