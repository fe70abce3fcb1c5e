package provider

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

func TestPHPVersionsShareOneCall(t *testing.T) {
	srv, err := virtualmintest.NewServer(virtualmintest.WithPHP(true))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	srv.AddUser("u", "Unit-Pass-1", virtualmintest.RoleMaster)
	c, err := virtualmin.NewClient(srv.Endpoint(), virtualmin.WithBasicAuth("u", "Unit-Pass-1"),
		virtualmin.WithCACertPEM(srv.CertificatePEM()), virtualmin.WithRateLimit(0, 0), virtualmin.WithCallTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	vs := vmServerFor(srv.Endpoint(), c)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := vs.phpVersions.Get(ctx)
			if err == nil && (len(v) != 1 || v[0].Version != "8.2") {
				t.Errorf("versions %+v", v)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Calls("list-php-versions"); n != 1 {
		t.Fatalf("list-php-versions called %d times for 20 plans, want 1", n)
	}
}
