// Command virtualmin-sim runs the Virtualmin simulator (package
// sdk/virtualmin/virtualmintest) on its own, for `make demo` and for testing
// Terraform code in CI without a real Virtualmin server:
//
//	go run ./tools/virtualmin-sim --listen 127.0.0.1:10000 --state sim.json --user admin --password secret
//
// It models a server set up by Virtualmin's installer (--profile stock, the
// default) or the server of the first recordings (--profile minimal); --set
// changes one setting of the profile (--set ssl=off --set php_mode=none; see
// virtualmintest.Profile.Set and docs/virtualmin-api.md).
//
// It prints the URL and the SHA-256 fingerprint of its certificate (to pin in
// the provider), then serves until SIGINT or SIGTERM. The certificate is
// self-signed and kept in the --state file, so a restart on the same state
// serves the same certificate; --tls-cert and --tls-key give one instead. The
// password can also come from the environment variable
// VIRTUALMIN_SIM_PASSWORD, which keeps it out of the process list.
//
// Two instances on two ports reach each other like two real servers, for
// moving accounts between them: transfer-domain --webmin and webmin://
// backup destinations call the other instance's Webmin RPC with its login
// (--rpc says whether that login may; a user named admin or root may by
// Webmin's default). Give each its own --state and --backup-root:
//
//	go run ./tools/virtualmin-sim --listen 127.0.0.1:10001 --state a.json --backup-root /tmp/sim-a --password secret &
//	go run ./tools/virtualmin-sim --listen 127.0.0.1:10002 --state b.json --backup-root /tmp/sim-b --password secret &
//
// then, on the first, program=transfer-domain domain=... host=127.0.0.1:10002
// webmin= user=admin pass=secret copies an account to the second.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "virtualmin-sim:", err)
		os.Exit(2)
	}
}

// run starts the simulator with the given arguments, prints where it listens
// and blocks until ctx is done.
func run(ctx context.Context, argv []string, out io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("virtualmin-sim", flag.ContinueOnError)
	fs.SetOutput(out)
	listen := fs.String("listen", "127.0.0.1:10000", "address to listen on (TLS and a plain-HTTP redirect on the same port)")
	stateFile := fs.String("state", "", "JSON file to load the state from and save it to after every write (empty: in memory only)")
	user := fs.String("user", "admin", "Webmin login of the master admin")
	password := fs.String("password", "", "password of the master admin (or VIRTUALMIN_SIM_PASSWORD)")
	realistic := fs.Bool("realistic-latency", false, "answer as slowly as a real server (create-domain 5-9 s, writes 2-3 s, reads 0.2 s)")
	scale := fs.Float64("latency-scale", 0, "use the real latencies multiplied by this factor (0: none; --realistic-latency is 1)")
	seed := fs.String("seed-domains", "", "comma-separated domains to create at start if they do not exist (features unix dir dns mail web)")
	profileName := fs.String("profile", "stock", "server configuration to model: "+strings.Join(virtualmintest.ProfileNames(), " or "))
	var sets []string
	fs.Func("set", "change one setting of the profile, name=value (repeatable): a feature (ssl=off|available|default|automatic), "+
		"php_mode=fpm|none, php=true|false, php_cgi=true|false, append_style=0|6, quotas=true|false, build=8.1.0|master, "+
		"default_ip=true|false, jailkit=true|false", func(v string) error { sets = append(sets, v); return nil })
	fs.Bool("php", true, "simulate an installed PHP 8.2 with FPM (same as --set php=...)")
	tlsCert := fs.String("tls-cert", "", "PEM certificate to serve instead of the self-signed one (with --tls-key)")
	tlsKey := fs.String("tls-key", "", "PEM private key of --tls-cert")
	le := fs.Bool("letsencrypt", false, "make generate-letsencrypt-cert succeed (it fails like an offline server by default)")
	backupRoot := fs.String("backup-root", "", "directory that stands for / in backup-domain and restore-domain paths (default: a temporary directory)")
	rpcAccess := fs.String("rpc", "default", "Webmin rpc ACL of --user, what another Virtualmin needs to transfer an account here (transfer-domain --webmin) or back up to webmin:// here: "+
		"default (Webmin's: only users named root, admin or sysadm), allowed (rpc=1, root-equivalent) or denied")
	disk := fs.Int64("disk-space", 0, "size of the simulated host's disk in bytes (0: unlimited); content, backups and uploads past it fail with 'No space left on device'")
	loginDelay := fs.Duration("login-failure-delay", time.Second, "base delay of a failed login; the n-th failure waits n times it")
	blockAfter := fs.Int("block-after", 5, "consecutive failed logins before the client address is blocked")
	blockFor := fs.Duration("block-duration", 60*time.Second, "how long a blocked address gets HTTP 403")
	if err := fs.Parse(argv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	pass := *password
	if pass == "" {
		pass = getenv("VIRTUALMIN_SIM_PASSWORD")
	}
	if pass == "" {
		return errors.New("a password is required (--password or VIRTUALMIN_SIM_PASSWORD)")
	}
	rpc, ok := map[string]virtualmintest.RPCAccess{"default": virtualmintest.RPCDefault,
		"allowed": virtualmintest.RPCAllowed, "denied": virtualmintest.RPCDenied}[*rpcAccess]
	if !ok {
		return fmt.Errorf("--rpc %q: want default, allowed or denied", *rpcAccess)
	}
	profile, err := virtualmintest.ProfileNamed(*profileName)
	if err != nil {
		return err
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "php" {
			sets = append([]string{"php=" + f.Value.String()}, sets...)
		}
	})
	for _, set := range sets {
		if err := profile.Set(set); err != nil {
			return err
		}
	}
	opts := []virtualmintest.Option{
		virtualmintest.WithListenAddr(*listen),
		virtualmintest.WithProfile(profile),
		virtualmintest.WithLetsEncrypt(*le),
		virtualmintest.WithLoginFailureDelay(*loginDelay),
		virtualmintest.WithBlock(*blockAfter, *blockFor),
	}
	if *stateFile != "" {
		opts = append(opts, virtualmintest.WithStateFile(*stateFile))
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if *tlsCert != "" {
		certPEM, err := os.ReadFile(*tlsCert)
		if err != nil {
			return err
		}
		keyPEM, err := os.ReadFile(*tlsKey)
		if err != nil {
			return err
		}
		opts = append(opts, virtualmintest.WithCertificate(certPEM, keyPEM))
	}
	if *backupRoot != "" {
		opts = append(opts, virtualmintest.WithBackupRoot(*backupRoot))
	}
	if *scale > 0 {
		opts = append(opts, virtualmintest.WithLatencyScale(*scale))
	}
	if *realistic {
		opts = append(opts, virtualmintest.WithRealisticLatency())
	}
	srv, err := virtualmintest.NewServer(opts...)
	if err != nil {
		return err
	}
	defer srv.Close()
	srv.AddUser(*user, pass, virtualmintest.RoleMaster)
	srv.SetRPCAccess(*user, rpc)
	srv.SetDiskSpace(*disk)
	for _, d := range strings.Split(*seed, ",") {
		d = strings.TrimSpace(d)
		if d == "" {
			continue
		}
		if _, ok := srv.Domain(d); ok {
			continue
		}
		if err := srv.SeedDomain(*user, "domain", d, "pass", randomPassword(), "unix", "", "dir", "", "dns", "", "mail", "", "web", ""); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "virtualmin-sim listening on %s\n", srv.URL())
	fmt.Fprintf(out, "profile: %s\n", profile)
	fmt.Fprintf(out, "certificate SHA-256: %s\n", srv.CertificateSHA256())
	fmt.Fprintf(out, "remote API: %s/virtual-server/remote.cgi (user %s)\n", srv.URL(), *user)
	if f, ok := out.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
	<-ctx.Done()
	return nil
}
