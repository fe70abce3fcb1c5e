package virtualmin_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

// Moving an account safely: copy it (the source is kept), read it back on
// the target and compare, and only then delete it on the source. Two
// simulators play the two servers here.
func ExampleMovesService_Transfer() {
	ctx := context.Background()
	connect := func(sim *virtualmintest.Server) *virtualmin.Client {
		c, err := virtualmin.NewClient(sim.Endpoint(), virtualmin.WithBasicAuth("admin", "Admin-Pass-1"),
			virtualmin.WithPinnedCertificateSHA256(sim.CertificateSHA256()),
			virtualmin.WithRateLimit(50, 50)) // a simulator needs no protection
		if err != nil {
			log.Fatal(err)
		}
		return c
	}
	var sims [2]*virtualmintest.Server
	for i := range sims {
		sim, err := virtualmintest.NewServer()
		if err != nil {
			log.Fatal(err)
		}
		defer sim.Close()
		sim.AddUser("admin", "Admin-Pass-1", virtualmintest.RoleMaster)
		sims[i] = sim
	}
	source, target := connect(sims[0]), connect(sims[1])
	if _, err := source.Domains.Create(ctx, &virtualmin.CreateDomainRequest{Domain: "shop.example",
		Pass: "Shop-Pass-1", Features: []string{"unix", "dir", "web", "mail", "mysql"}}); err != nil {
		log.Fatal(err)
	}

	_, err := source.Moves.Transfer(ctx, &virtualmin.TransferRequest{
		Domain: "shop.example", Host: sims[1].Endpoint(), Protocol: virtualmin.TransferWebmin,
		// The target's login; it needs Webmin RPC there (root-equivalent).
		User: "admin", Pass: "Admin-Pass-1",
	})
	var refused *virtualmin.TransferRefusedError
	switch {
	case errors.As(err, &refused):
		log.Fatalf("nothing was copied: %s", refused.Refusal)
	case err != nil:
		log.Fatal(err) // a *TransferFailedError says at which step
	}

	// transfer-domain's success is no proof: read the target.
	want, err := source.Moves.ReadAccount(ctx, "shop.example")
	if err != nil {
		log.Fatal(err)
	}
	got, err := target.Moves.ReadAccount(ctx, "shop.example")
	if err != nil {
		log.Fatal(err)
	}
	if diff := want.Diff(got); len(diff) > 0 {
		log.Fatalf("the copy differs: %q", diff)
	}
	if err := source.Domains.Delete(ctx, "shop.example"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("moved", got.Name, "with", len(got.Databases["shop.example"]), "database")
	// Output: moved shop.example with 1 database
}
