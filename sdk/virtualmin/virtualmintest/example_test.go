package virtualmintest_test

import (
	"fmt"
	"log"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

func ExampleNewServer() {
	sim, err := virtualmintest.NewServer(virtualmintest.WithPHP(true))
	if err != nil {
		log.Fatal(err)
	}
	defer sim.Close()
	sim.AddUser("admin", "secret", virtualmintest.RoleMaster)
	if err := sim.SeedDomain("admin", "domain", "example.test", "pass", "Owner-Pass-1", "unix", "", "dir", "", "web", "", "dns", ""); err != nil {
		log.Fatal(err)
	}
	// Point a client at sim.URL() and pin sim.CertificateSHA256().
	d, _ := sim.Domain("example.test")
	fmt.Println(d.Name, d.User, d.Features)
	// Output: example.test example [unix dir dns web ssl logrotate]
}
