// Command demo is `make demo`: it applies examples/quickstart with the real
// OpenTofu CLI against the Virtualmin simulator and a real PowerDNS on
// loopback, shows that a second plan is empty, suspends an account behind
// Terraform's back, shows the plan that heals it, applies it, and cleans up.
//
//	go run ./internal/demo            (OpenTofu; -cli terraform for Terraform 1.5.7)
//	go run ./internal/demo -dns both  (the zone on PowerDNS and on the Cloudflare fake; -dns cloudflare for Cloudflare alone)
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/cloudflare"
	"github.com/praho/terraform-provider-praho/sdk/cloudflare/cloudflaretest"
	"github.com/praho/terraform-provider-praho/sdk/powerdns/pdnstest"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

const (
	demoUser = "demo-admin"
	zone     = "quickstart.example"
)

func main() {
	cliName := flag.String("cli", "tofu", "CLI to run: tofu or terraform")
	dnsFlag := flag.String("dns", "powerdns", "where the zone is served: powerdns, cloudflare (the Cloudflare fake) or both")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	backends, ok := map[string][]string{"powerdns": {"powerdns"}, "cloudflare": {"cloudflare"}, "both": {"powerdns", "cloudflare"}}[*dnsFlag]
	if !ok {
		fmt.Fprintf(os.Stderr, "-dns %q: want powerdns, cloudflare or both (DEMO_DNS)\n", *dnsFlag)
		os.Exit(2)
	}
	if err := run(ctx, *cliName, backends); err != nil {
		fmt.Fprintf(os.Stderr, "\ndemo failed: %v\n", err)
		os.Exit(1)
	}
}

func say(format string, args ...any) {
	fmt.Printf("\n\033[1m==> "+format+"\033[0m\n", args...)
}

func run(ctx context.Context, cliName string, backends []string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "praho-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	say("Building the %s CLI (once per machine) and the provider", cliName)
	// Only the CLI the demo runs is built; its progress goes to the terminal.
	installCLI := exec.CommandContext(ctx, filepath.Join(root, "tools", "install-cli.sh"), cliName)
	installCLI.Stderr = os.Stderr
	out, err := installCLI.Output()
	if err != nil {
		return fmt.Errorf("tools/install-cli.sh %s: %w", cliName, err)
	}
	cli := strings.TrimSpace(string(out))
	bin := filepath.Join(tmp, "bin")
	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(bin, "terraform-provider-praho"), ".")
	build.Dir, build.Stdout, build.Stderr = root, os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build: %w", err)
	}

	say("Starting a Virtualmin simulator and the DNS (%s) on loopback", strings.Join(backends, " and "))
	password := fmt.Sprintf("demo-%d", time.Now().UnixNano())
	// Configured as Virtualmin's installer sets a server up, the usual case.
	sim, err := virtualmintest.NewServer(virtualmintest.WithProfile(virtualmintest.StockProfile()))
	if err != nil {
		return err
	}
	defer sim.Close()
	sim.AddUser(demoUser, password, virtualmintest.RoleMaster)
	fmt.Printf("    Virtualmin simulator: https://%s  (certificate SHA-256 %s)\n", sim.Endpoint(), sim.CertificateSHA256())
	dnsBackends, _ := json.Marshal(backends)
	env := append(os.Environ(), "TF_VAR_dns_backends="+string(dnsBackends))
	var pdns *pdnstest.Server
	if slices.Contains(backends, "powerdns") {
		pdns, err = pdnstest.StartProcess(ctx, pdnstest.Config{})
		if err != nil {
			if errors.Is(err, pdnstest.ErrNotInstalled) {
				return fmt.Errorf("%w (run `make deps` first)", err)
			}
			return err
		}
		defer pdns.Stop()
		fmt.Printf("    PowerDNS API:         %s  (DNS on %s)\n", pdns.APIURL, pdns.DNSAddr)
		env = append(env, "PDNS_API_URL="+pdns.APIURL, "PDNS_API_KEY="+pdns.APIKey)
	}
	var cf *cloudflaretest.Server
	if slices.Contains(backends, "cloudflare") {
		// The fake tools/cloudflare-fake runs on its own (see README.md).
		cf = cloudflaretest.NewServer()
		defer cf.Close()
		fmt.Printf("    Cloudflare fake:      %s  (account %s)\n", cf.URL, cf.AccountID)
		env = append(env, "CLOUDFLARE_BASE_URL="+cf.URL, "CLOUDFLARE_API_TOKEN="+cf.Token, "TF_VAR_cloudflare_account_id="+cf.AccountID)
	}

	work := filepath.Join(tmp, "quickstart")
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	for _, f := range []string{"versions.tf", "main.tf", "variables.tf"} {
		b, err := os.ReadFile(filepath.Join(root, "examples", "quickstart", f))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(work, f), b, 0o644); err != nil {
			return err
		}
	}
	rc := filepath.Join(tmp, "cli.tfrc")
	if err := os.WriteFile(rc, []byte(fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"praho/praho\" = %q\n  }\n  direct {}\n}\n", bin)), 0o600); err != nil {
		return err
	}
	env = append(env,
		"TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
		"PRAHO_VIRTUALMIN_USERNAME="+demoUser, "PRAHO_VIRTUALMIN_PASSWORD="+password,
		"TF_VAR_virtualmin_server="+sim.Endpoint(),
		"TF_VAR_virtualmin_cert_sha256="+sim.CertificateSHA256(),
		"TF_VAR_zone="+zone,
	)
	tf := func(args ...string) (int, error) {
		fmt.Printf("\n$ %s %s\n", filepath.Base(cli), strings.Join(args, " "))
		cmd := exec.CommandContext(ctx, cli, args...)
		cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = work, env, os.Stdout, os.Stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), nil
		}
		return 0, err
	}
	cleanup := func() {
		say("Cleaning up: destroy")
		if code, err := tf("destroy", "-auto-approve", "-input=false"); err != nil || code != 0 {
			fmt.Fprintf(os.Stderr, "destroy failed (exit %d, %v)\n", code, err)
		}
	}

	say("1. Apply the quickstart: three hosting accounts, the shop's mailboxes, database and alias, and their DNS zone")
	if code, err := tf("apply", "-auto-approve", "-input=false"); err != nil || code != 0 {
		cleanup()
		return fmt.Errorf("apply failed (exit %d, %v)", code, err)
	}
	fmt.Printf("\nVirtualmin now hosts: %s\n", strings.Join(sim.Domains(), ", "))
	if d, ok := sim.Domain("shop." + zone); ok {
		fmt.Printf("shop.%s holds mailboxes %s and databases %s\n", zone, strings.Join(d.Users, ", "), strings.Join(d.Databases, ", "))
	}
	if pdns != nil {
		if a, err := dig(pdns.DNSAddr, "shop."+zone); err == nil {
			fmt.Printf("PowerDNS answers shop.%s A: %s\n", zone, a)
		}
	}
	if cf != nil {
		if a, err := cloudflareA(ctx, cf, "shop."+zone); err == nil {
			fmt.Printf("Cloudflare holds shop.%s A: %s\n", zone, a)
		}
	}

	say("2. Plan again: nothing changed, so nothing to do")
	if code, err := tf("plan", "-detailed-exitcode", "-input=false"); err != nil || code != 0 {
		cleanup()
		return fmt.Errorf("the second plan is not empty (exit %d, %v)", code, err)
	}

	say("3. Someone suspends blog.%s in Virtualmin, behind Terraform's back", zone)
	c, err := virtualmin.NewClient(sim.Endpoint(), virtualmin.WithBasicAuth(demoUser, password),
		virtualmin.WithPinnedCertificateSHA256(sim.CertificateSHA256()))
	if err != nil {
		cleanup()
		return err
	}
	if err := c.Domains.Disable(ctx, "blog."+zone, "suspended by hand"); err != nil {
		cleanup()
		return err
	}
	fmt.Println("    disable-domain blog." + zone + ": done")

	say("4. The plan shows it (suspended: true -> false)")
	if code, err := tf("plan", "-detailed-exitcode", "-input=false"); err != nil || code != 2 {
		cleanup()
		return fmt.Errorf("the plan did not show the drift (exit %d, %v)", code, err)
	}

	say("5. Apply heals it")
	if code, err := tf("apply", "-auto-approve", "-input=false"); err != nil || code != 0 {
		cleanup()
		return fmt.Errorf("apply failed (exit %d, %v)", code, err)
	}
	if d, ok := sim.Domain("blog." + zone); ok {
		fmt.Printf("\nblog.%s suspended: %t\n", zone, d.Disabled)
	}
	if code, err := tf("plan", "-detailed-exitcode", "-input=false"); err != nil || code != 0 {
		cleanup()
		return fmt.Errorf("the plan after healing is not empty (exit %d, %v)", code, err)
	}

	cleanup()
	say("Done: apply, an empty plan, drift shown and healed, everything destroyed.")
	return nil
}

// dig asks the PowerDNS server for name's A records with the dig command,
// when it is installed.
func dig(server, name string) (string, error) {
	host, port, ok := strings.Cut(server, ":")
	if !ok {
		port = "53"
	}
	var out bytes.Buffer
	cmd := exec.Command("dig", "+short", "@"+host, "-p", port, name, "A")
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return "", err
	}
	return strings.Join(strings.Fields(out.String()), " "), nil
}

// cloudflareA lists the A records of name on the Cloudflare fake, through
// the SDK as any program would.
func cloudflareA(ctx context.Context, cf *cloudflaretest.Server, name string) (string, error) {
	c, err := cloudflare.NewClient(cloudflare.WithAPIToken(cf.Token), cloudflare.WithBaseURL(cf.URL))
	if err != nil {
		return "", err
	}
	z, err := c.Zones.GetByName(ctx, zone)
	if err != nil {
		return "", err
	}
	recs, err := c.Records.List(ctx, z.ID, &cloudflare.RecordListOptions{Name: name, Type: "A"})
	if err != nil {
		return "", err
	}
	var out []string
	for _, r := range recs {
		out = append(out, r.Content)
	}
	return strings.Join(out, " "), nil
}

// moduleRoot walks up from the working directory to the directory of go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run the demo from inside the repository")
		}
		dir = parent
	}
}
