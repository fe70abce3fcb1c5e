package virtualmin_test

import (
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// A client for a Webmin server with its usual self-signed certificate, trusted
// by pinning its SHA-256 fingerprint, with every policy spelled out (the
// values shown are the defaults, except the logger).
func ExampleNewClient() {
	c, err := virtualmin.NewClient("https://vm.example.net:10000",
		virtualmin.WithBasicAuth("apiadmin", os.Getenv("VIRTUALMIN_PASSWORD")),
		// openssl s_client -connect vm.example.net:10000 </dev/null | openssl x509 -noout -fingerprint -sha256
		virtualmin.WithPinnedCertificateSHA256("3A:7F:0C:1E:5B:92:D4:66:08:AF:11:C2:9E:47:B3:5D:20:E8:74:9A:C6:0B:F1:83:52:DD:19:6E:A4:37:C0:8B"),
		virtualmin.WithRateLimit(2, 2), // calls per second, burst; 0 = unlimited
		virtualmin.WithMaxInFlight(4),  // Virtualmin serialises writes anyway
		virtualmin.WithRetry(virtualmin.RetryPolicy{MaxAttempts: 3, MinBackoff: time.Second, MaxBackoff: 15 * time.Second}),
		virtualmin.WithBreaker(virtualmin.BreakerPolicy{FailureThreshold: 5, CoolDown: 30 * time.Second}),
		virtualmin.WithCallTimeout(2*time.Minute),
		virtualmin.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, nil))),
	)
	if err != nil {
		log.Fatal(err)
	}
	_ = c // c.Domains.List(ctx, nil), c.Users.Create(ctx, ...), ...
}
