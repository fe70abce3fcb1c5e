// Command cloudflare-fake runs the fake of Cloudflare's API (package
// sdk/cloudflare/cloudflaretest) on its own, for `make demo` and for testing
// Terraform code that uses the cloudflare DNS backend without a Cloudflare
// account:
//
//	go run ./tools/cloudflare-fake --listen 127.0.0.1:8787 --zones example.test
//
// It prints its API URL, the token it accepts and the account ID zones are
// created in, then serves plain HTTP on loopback until SIGINT or SIGTERM. Its
// state lives in memory only. The token can be chosen with
// CLOUDFLARE_FAKE_TOKEN (kept out of the process list and not printed);
// otherwise a random one is made and printed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/cloudflare/cloudflaretest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "cloudflare-fake:", err)
		os.Exit(2)
	}
}

var accountIDRe = regexp.MustCompile(`^[0-9a-f]{32}$`)

// run starts the fake with the given arguments, prints how to reach it and
// blocks until ctx is done.
func run(ctx context.Context, argv []string, out io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("cloudflare-fake", flag.ContinueOnError)
	fs.SetOutput(out)
	listen := fs.String("listen", "127.0.0.1:8787", "address to listen on (plain HTTP: keep it on loopback)")
	zones := fs.String("zones", "", "comma-separated zones to create at start, active, in the account")
	account := fs.String("account-id", "", "the account's ID, 32 hex digits (default: a random one)")
	plan := fs.String("plan", "free", "the zones' plan, which sets the most operations a batch may hold: free (200) or paid (3,500)")
	rateLimit := fs.Int("rate-limit", 0, "requests per 5 minutes before every call is blocked for 5 minutes, as Cloudflare does (0: no limit; Cloudflare's is 1200)")
	if err := fs.Parse(argv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	opts := []cloudflaretest.Option{}
	switch *plan {
	case "free":
		opts = append(opts, cloudflaretest.WithBatchLimit(cloudflaretest.FreePlanBatchLimit))
	case "paid":
		opts = append(opts, cloudflaretest.WithBatchLimit(cloudflaretest.PaidPlanBatchLimit))
	default:
		return fmt.Errorf("--plan %q: want free or paid", *plan)
	}
	if *account != "" {
		if !accountIDRe.MatchString(*account) {
			return fmt.Errorf("--account-id %q: want 32 lower-case hex digits, as Cloudflare's IDs", *account)
		}
		opts = append(opts, cloudflaretest.WithAccountID(*account))
	}
	if *rateLimit < 0 {
		return errors.New("--rate-limit must be 0 or more")
	}
	if *rateLimit > 0 {
		opts = append(opts, cloudflaretest.WithRateLimit(*rateLimit, 5*time.Minute))
	}
	token, tokenGiven := getenv("CLOUDFLARE_FAKE_TOKEN"), false
	if token != "" {
		tokenGiven = true
		opts = append(opts, cloudflaretest.WithToken(token))
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := cloudflaretest.NewServer(append(opts, cloudflaretest.WithListener(l))...)
	defer srv.Close()

	fmt.Fprintf(out, "cloudflare-fake listening on %s\n", srv.URL)
	if tokenGiven {
		fmt.Fprintln(out, "token: the one in CLOUDFLARE_FAKE_TOKEN")
	} else {
		fmt.Fprintf(out, "token: %s\n", srv.Token)
	}
	fmt.Fprintf(out, "account ID: %s\n", srv.AccountID)
	for _, z := range strings.Split(*zones, ",") {
		if z = strings.TrimSpace(z); z != "" {
			fmt.Fprintf(out, "zone %s: %s\n", z, srv.AddZone(z))
		}
	}
	fmt.Fprintf(out, "provider settings: CLOUDFLARE_BASE_URL=%s CLOUDFLARE_API_TOKEN=<the token>, cloudflare_account_id = %q\n", srv.URL, srv.AccountID)
	if f, ok := out.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
	<-ctx.Done()
	return nil
}
