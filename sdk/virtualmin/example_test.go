package virtualmin_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// The examples run against a local server that replays answers recorded from
// a real Virtualmin 8.1 (testdata/transcripts). Against a real server, use its
// Webmin URL ("https://vm.example.net:10000") and pin its certificate's
// SHA-256 fingerprint (openssl x509 -noout -fingerprint -sha256).

func newExampleClient(files ...string) (*virtualmin.Client, func()) {
	endpoint, pin, stop := virtualmin.ReplayServer(files...)
	c, err := virtualmin.NewClient(endpoint,
		virtualmin.WithBasicAuth("admin", "AdminPass123"),
		virtualmin.WithPinnedCertificateSHA256(pin),
	)
	if err != nil {
		log.Fatal(err)
	}
	return c, stop
}

func ExampleDomainsService_List() {
	c, stop := newExampleClient("06-list-domains-json-multiline.txt")
	defer stop()

	domains, err := c.Domains.List(context.Background(), nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range domains {
		fmt.Println(d.Name, d.Type, d.Username, d.Features)
	}
	// Output:
	// alpha.test Top-level server alphauser [unix dir dns mail web mysql webmin]
}

func ExampleDomainsService_Create() {
	c, stop := newExampleClient(
		"10-list-domains-nonexistent-multiline-json.txt", // look-up: not there yet
		"02-create-domain-ok.txt",                        // create-domain
		"06-list-domains-json-multiline.txt",             // read-back
		"06-list-domains-json-multiline.txt",             // look-up of the second Create
	)
	defer stop()
	ctx := context.Background()

	req := &virtualmin.CreateDomainRequest{
		Domain:   "alpha.test",
		User:     "alphauser",
		Pass:     "AlphaPass123",
		Desc:     "Alpha test server",
		Features: []string{"unix", "dir", "web", "dns", "mail", "mysql", "webmin"},
	}
	d, err := c.Domains.Create(ctx, req)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created", d.Name, "owned by", d.Username)

	// Creating it again never adopts the existing domain.
	_, err = c.Domains.Create(ctx, req)
	fmt.Println("again, already exists:", errors.Is(err, virtualmin.ErrAlreadyExists))
	// Output:
	// created alpha.test owned by alphauser
	// again, already exists: true
}

func ExampleDomainsService_Disable() {
	c, stop := newExampleClient(
		"17-disable-domain-ok-json.txt",
		"19-disable-domain-again-json.txt",
	)
	defer stop()
	ctx := context.Background()

	if err := c.Domains.Disable(ctx, "alpha.test", "API test"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("disabled")

	err := c.Domains.Disable(ctx, "alpha.test", "")
	var e *virtualmin.Error
	if errors.As(err, &e) {
		fmt.Println(e.Kind, "-", e.Reason)
	}
	// Output:
	// disabled
	// program failed - Virtual server alpha.test is already disabled
}

func ExampleDomainsService_Delete() {
	c, stop := newExampleClient(
		"102-delete-domain-parent-with-subserver-json.txt",
		"103-delete-domain-again-nonexistent-json.txt",
	)
	defer stop()
	ctx := context.Background()

	if err := c.Domains.Delete(ctx, "alpha.test"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("deleted")

	// Deleting again is a not-found error a caller can treat as done.
	err := c.Domains.Delete(ctx, "alpha.test")
	fmt.Println("already gone:", errors.Is(err, virtualmin.ErrNotFound))
	// Output:
	// deleted
	// already gone: true
}
