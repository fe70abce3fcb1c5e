//go:build debootstrap

// The tests in this file run the bootstrap against a real Debian 12 root
// file system made by debootstrap, entered through a real sshd in a network
// namespace: ufw (iptables, in the namespace only), fail2ban, openssl and
// perl are the real ones; only systemctl (no systemd in a chroot) and the
// Virtualmin installer are stand-ins. They need root, debootstrap and
// Debian's mirror the first time (about a minute), so they are not part of
// the default run:
//
//	go test -tags debootstrap -run Debootstrap ./sdk/bootstrap/
//
// The base root file system is cached in $PRAHO_DEBOOTSTRAP_DIR (default
// /var/tmp/praho-rootfs/bookworm) and copied for each test.
package bootstrap_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/bootstrap"
	"github.com/praho/terraform-provider-praho/sdk/ssh"
	"github.com/praho/terraform-provider-praho/sdk/ssh/sshtest"
)

const debootstrapPackages = "ufw,fail2ban,iptables,iproute2,procps,openssl,perl"

// chrootSystemctl plays systemctl in the chroot, where systemd does not
// run: fail2ban through fail2ban-client, Webmin through miniserv's pid file.
const chrootSystemctl = `#!/bin/sh
echo "systemctl $*" >> /var/log/standin.log
verb=$1; shift
[ "$1" = "--now" ] && { now=1; shift; }
u=${1%.service}
webmin_pid() { pid=$(cat /var/webmin/miniserv.pid 2>/dev/null) && kill -0 "$pid" 2>/dev/null; }
case "$verb:$u" in
is-active:fail2ban) if fail2ban-client ping >/dev/null 2>&1; then echo active; else echo inactive; exit 3; fi ;;
is-active:webmin) if webmin_pid; then echo active; else echo inactive; exit 3; fi ;;
enable:fail2ban|start:fail2ban) [ "$verb" = start ] || [ -n "$now" ] && fail2ban-client start ;;
restart:webmin|reload:webmin) webmin_pid && kill -HUP "$pid" ;;
*) echo "chroot systemctl: unsupported: $verb $u" >&2; exit 1 ;;
esac
`

func debootstrapBase(t *testing.T) string {
	base := os.Getenv("PRAHO_DEBOOTSTRAP_DIR")
	if base == "" {
		base = "/var/tmp/praho-rootfs/bookworm"
	}
	if _, err := os.Stat(filepath.Join(base, "usr/sbin/ufw")); err == nil {
		return base
	}
	if _, err := exec.LookPath("debootstrap"); err != nil {
		t.Fatal("debootstrap is not installed (apt-get install debootstrap)")
	}
	tmp := base + ".partial"
	os.RemoveAll(tmp)
	out, err := exec.Command("debootstrap", "--variant=minbase", "--include="+debootstrapPackages, "bookworm", tmp, "http://deb.debian.org/debian").CombinedOutput()
	if err != nil {
		t.Fatalf("debootstrap: %v\n%s", err, out)
	}
	if err := os.Rename(tmp, base); err != nil {
		t.Fatal(err)
	}
	return base
}

func TestDebootstrapBootstrap(t *testing.T) {
	sshtest.RequireSSHD(t)
	base := debootstrapBase(t)
	dir := t.TempDir()
	rootfs := filepath.Join(dir, "rootfs")
	if out, err := exec.Command("cp", "-a", base, rootfs).CombinedOutput(); err != nil {
		t.Fatalf("copying the root file system: %v\n%s", err, out)
	}
	build := exec.Command("go", "build", "-o", filepath.Join(rootfs, "usr/local/bin/fakeminiserv"), "./bootstraptest/fakeminiserv")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	writeFile(t, filepath.Join(rootfs, "usr/local/sbin/systemctl"), chrootSystemctl)
	if err := os.Chmod(filepath.Join(rootfs, "usr/local/sbin/systemctl"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(rootfs, "var/log/auth.log"), "")
	// Paths into the root file system never go through its /var/run, an
	// absolute symbolic link to the test machine's /run.
	if err := os.MkdirAll(filepath.Join(rootfs, "run/fail2ban"), 0o755); err != nil {
		t.Fatal(err)
	}
	installer, err := filepath.Abs("bootstraptest/standins/installer.sh")
	if err != nil {
		t.Fatal(err)
	}

	const addr = "10.200.98.2"
	ns := sshtest.NewNamespace(t, "prahodeb", addr)
	t.Cleanup(func() {
		for _, pidfile := range []string{"var/webmin/miniserv.pid", "run/fail2ban/fail2ban.pid"} {
			data, err := os.ReadFile(filepath.Join(rootfs, pidfile))
			if err != nil {
				continue
			}
			if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && pid > 0 {
				_ = syscall.Kill(pid, syscall.SIGTERM)
			}
		}
		time.Sleep(time.Second)
	})
	env := strings.Join([]string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"STANDIN_ROOT=/", "STANDIN_STATE=/var/lib", "STANDIN_LOG=/var/log/standin.log",
		"STANDIN_MINISERV=/usr/local/bin/fakeminiserv", "STANDIN_ADDR=" + addr,
	}, " ")
	// A private mount namespace per session: /proc and /sys for the chroot
	// are mounted there only.
	wrapper := fmt.Sprintf(`#!/bin/sh
exec unshare -m --propagation private /bin/sh -c 'mount -t proc proc "$0/proc" && mount -t sysfs sys "$0/sys" && exec chroot "$0" /usr/bin/env -i %s /bin/sh -c "$SSH_ORIGINAL_COMMAND"' %s
`, env, ssh.Quote(rootfs))
	writeFile(t, filepath.Join(dir, "session.sh"), wrapper)
	if err := os.Chmod(filepath.Join(dir, "session.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	srv := ns.Start(t, sshtest.WithConfig("ForceCommand "+filepath.Join(dir, "session.sh")))

	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := ssh.Dial(ctx, ssh.Config{Addr: srv.Addr, User: srv.User, Auth: []ssh.AuthMethod{ssh.PrivateKey(srv.ClientKeyPEM, "")},
		HostKey: ssh.PinnedKey(srv.HostKeyLine), DialTimeout: 30 * time.Second, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A service on a port the firewall will not open: reachable before,
	// dropped after.
	if _, err := c.Run(ctx, ssh.Command{Script: `setsid python3 -m http.server 8080 --bind "$1" >/dev/null 2>&1 </dev/null & echo $! > /var/lib/http.pid`, Args: []string{addr}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if data, err := os.ReadFile(filepath.Join(rootfs, "var/lib/http.pid")); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && pid > 0 {
				_ = syscall.Kill(pid, syscall.SIGTERM)
			}
		}
	})
	reachable := func() error {
		conn, err := net.DialTimeout("tcp", addr+":8080", 2*time.Second)
		if err == nil {
			conn.Close()
		}
		return err
	}
	for i := 0; reachable() != nil; i++ {
		if i > 100 {
			t.Fatal("the test service on port 8080 did not start")
		}
		time.Sleep(100 * time.Millisecond)
	}
	b := bootstrap.New(c, bootstrap.WithLogger(logger))
	const password = "Deb-" + nastyPassword
	spec := bootstrap.Spec{
		Install: bootstrap.InstallOptions{Mode: bootstrap.Minimal, Force: true, InstallerFile: installer},
		Harden:  bootstrap.HardenOptions{OpenPorts: []int{80, 443, 10000}, Fail2ban: true, TLS: bootstrap.TLSOptions{Hostname: "deb.example.test"}},
		APIUser: bootstrap.APIUserOptions{Name: "praho", Password: password, AllowFrom: []string{ns.HostAddr}},
		Health:  bootstrap.HealthOptions{MinMemoryAvailable: 1 << 20, MinDiskFree: 1 << 20},
	}
	rep, err := b.Bootstrap(ctx, spec)
	if err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	for _, s := range rep.Steps {
		t.Log(s)
	}
	if rep.Health.Status != bootstrap.Healthy {
		t.Errorf("health:\n%s", rep.Health)
	}
	out, err := c.Run(ctx, ssh.Command{Args: []string{"ufw", "status", "numbered"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("real ufw:\n%s", out.Stdout)
	for _, p := range []string{"80/tcp", "443/tcp", "10000/tcp", portOf(srv.Addr) + "/tcp"} {
		if !strings.Contains(string(out.Stdout), "] "+p+" ") {
			t.Errorf("real ufw does not allow %s", p)
		}
	}
	if err := reachable(); err == nil {
		t.Errorf("port 8080 is still reachable through the real firewall")
	}
	out, err = c.Run(ctx, ssh.Command{Args: []string{"fail2ban-client", "status", "webmin-auth"}})
	if err != nil {
		t.Fatalf("real fail2ban: %v", err)
	}
	t.Logf("real fail2ban:\n%s", out.Stdout)

	rep2, err := b.Bootstrap(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if rep2.Changed() || rep2.Health.Status != bootstrap.Healthy {
		t.Errorf("second run: %v\n%s", rep2.Steps, rep2.Health)
	}
	if strings.Contains(logs.String(), password) {
		t.Errorf("the password is in the logs")
	}
}
