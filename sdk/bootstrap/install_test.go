package bootstrap_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/bootstrap"
	"github.com/praho/terraform-provider-praho/sdk/ssh"
)

// TestInstallOnceThenSkipped: the installer (uploaded from a local file)
// runs once with the asked options; the second Install sees the marker and
// runs nothing; with the marker's check bypassed, the installer's exit 100
// counts as installed.
func TestInstallOnceThenSkipped(t *testing.T) {
	t.Parallel()
	h := newHost(t, 0, hostOptions{})
	ctx := testContext(t)
	var progress []string
	b := bootstrap.New(h.client, bootstrap.WithRoot(h.root), bootstrap.WithProgress(func(step, line string) {
		progress = append(progress, step+": "+line)
	}))
	opts := bootstrap.InstallOptions{Mode: bootstrap.BundleLEMP, Hostname: "vm1.example.test", Force: true, InstallerFile: h.InstallerFile()}
	res, err := b.Install(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed || res.Name != "install" {
		t.Fatalf("first install: %+v", res)
	}
	if !strings.Contains(strings.Join(progress, "\n"), "install: Installation Complete") {
		t.Errorf("progress did not stream the installer's output: %q", progress)
	}
	if h.miniservPID() == 0 {
		t.Fatal("the stand-in installer did not start Webmin")
	}
	args, err := os.ReadFile(filepath.Join(h.root, "installer.args"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(string(args)), "--bundle LEMP --hostname vm1.example.test --force"; got != want {
		t.Errorf("installer arguments %q, want %q", got, want)
	}

	res, err = b.Install(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed || !strings.Contains(res.Detail, "already installed") {
		t.Fatalf("second install: %+v", res)
	}
	if args2, _ := os.ReadFile(filepath.Join(h.root, "installer.args")); string(args2) != string(args) {
		t.Errorf("second install ran the installer again: %q", args2)
	}

	// A host whose marker check passes but whose installer disagrees (for
	// example a marker in another place): exit 100 is "installed".
	other := bootstrap.New(h.client, bootstrap.WithRoot(h.root+"/elsewhere"))
	if err := os.MkdirAll(h.root+"/elsewhere/tmp", 0o755); err != nil {
		t.Fatal(err)
	}
	res, err = other.Install(ctx, opts)
	if err != nil {
		t.Fatalf("exit 100 reported as a failure: %v", err)
	}
	if res.Changed || !strings.Contains(res.Detail, "exit 100") {
		t.Fatalf("exit 100: %+v", res)
	}
	if n := strings.Count(readFile(t, filepath.Join(h.root, "installer.args")), "\n"); n != 2 {
		t.Errorf("installer ran %d times, want 2 (first install, exit-100 run)", n)
	}
}

// TestInstallDownloadedOnHost: with InstallerURL, the host downloads the
// installer itself (curl or wget; here from an HTTP server on the test's
// side of the namespace's veth).
func TestInstallDownloadedOnHost(t *testing.T) {
	t.Parallel()
	h := newHost(t, 1, hostOptions{})
	ctx := testContext(t)
	url := h.ServeInstaller(t)
	// Plain http is refused unless allowed explicitly.
	if _, err := h.b.Install(ctx, bootstrap.InstallOptions{InstallerURL: url}); !errors.Is(err, bootstrap.ErrInvalidOptions) {
		t.Fatalf("plain http: %v", err)
	}
	// A wrong checksum: nothing runs.
	_, err := h.b.Install(ctx, bootstrap.InstallOptions{InstallerURL: url, InsecureAllowHTTP: true, InstallerSHA256: strings.Repeat("ab", 32)})
	if !errors.Is(err, bootstrap.ErrInstallerChecksum) {
		t.Fatalf("wrong checksum: %v", err)
	}
	if runs := h.InstallerRuns(); len(runs) != 0 {
		t.Fatalf("the installer ran despite its checksum: %q", runs)
	}
	sum := sha256.Sum256([]byte(readFile(t, h.InstallerFile())))
	res, err := h.b.Install(ctx, bootstrap.InstallOptions{Mode: bootstrap.Minimal, Force: true, InstallerURL: url, InsecureAllowHTTP: true,
		InstallerSHA256: strings.ToUpper(hex.EncodeToString(sum[:]))})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed || !strings.Contains(res.Detail, url) {
		t.Fatalf("install: %+v", res)
	}
	if got := strings.TrimSpace(readFile(t, filepath.Join(h.root, "installer.args"))); got != "--minimal --force" {
		t.Errorf("installer arguments %q", got)
	}
	// A URL that answers 404 is a download failure, not an install.
	_, err = bootstrap.New(h.client, bootstrap.WithRoot(h.root+"/x")).Install(ctx, bootstrap.InstallOptions{InstallerURL: url + ".missing", InsecureAllowHTTP: true})
	var se *bootstrap.StepError
	if !errors.As(err, &se) || se.Op != "download the installer" {
		t.Fatalf("missing installer: %v", err)
	}
}

// TestInstallFailureTail: a failed installer is an *InstallError with its
// exit status and the end of its output, not its beginning.
func TestInstallFailureTail(t *testing.T) {
	t.Parallel()
	h := newHost(t, 2, hostOptions{})
	ctx := testContext(t)
	_, err := h.b.Install(ctx, bootstrap.InstallOptions{Force: true, InstallerFile: h.FailingInstallerFile()})
	if !errors.Is(err, bootstrap.ErrInstallFailed) {
		t.Fatalf("err = %v, want ErrInstallFailed", err)
	}
	var ie *bootstrap.InstallError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %T", err)
	}
	if ie.Status != 1 {
		t.Errorf("status %d", ie.Status)
	}
	for _, want := range []string{"E: Unable to locate package virtualmin-core", "Fatal error", "package-399"} {
		if !strings.Contains(ie.Tail, want) || !strings.Contains(err.Error(), want) {
			t.Errorf("tail lacks %q:\n%s", want, ie.Tail)
		}
	}
	if strings.Contains(ie.Tail, "Welcome") {
		t.Errorf("tail holds the start of a long output")
	}
	var ee *ssh.ExitError
	if !errors.As(err, &ee) {
		t.Errorf("does not unwrap to *ssh.ExitError")
	}
	if ok, err := h.b.Installed(ctx); err != nil || ok {
		t.Errorf("Installed after a failure = %v, %v", ok, err)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestUninstall: Uninstall runs the installer with --uninstall only on an
// installed host; afterwards Install installs again.
func TestUninstall(t *testing.T) {
	h := newHost(t, 0, hostOptions{})
	ctx := testContext(t)
	opts := bootstrap.InstallOptions{Force: true, InstallerFile: h.InstallerFile()}
	res, err := h.b.Uninstall(ctx, opts)
	if err != nil || res.Changed {
		t.Fatalf("uninstall on a bare host: %+v, %v", res, err)
	}
	if runs := h.InstallerRuns(); len(runs) != 0 {
		t.Fatalf("the installer ran on a bare host: %q", runs)
	}
	h.install(t, ctx)
	res, err = h.b.Uninstall(ctx, opts)
	if err != nil || !res.Changed {
		t.Fatalf("uninstall: %+v, %v", res, err)
	}
	if runs := h.InstallerRuns(); len(runs) != 2 || runs[1] != "--uninstall --force" {
		t.Errorf("installer runs %q", runs)
	}
	if ok, err := h.b.Installed(ctx); err != nil || ok {
		t.Errorf("installed after uninstall: %v %v", ok, err)
	}
	h.install(t, ctx)
}

// TestInstallOnLateHost: a host whose sshd comes up seconds after it was
// made (a fresh machine booting) is reached by the dial's retries and
// installed. Not parallel: it shares namespace 5 with TestHardenNoFirewall,
// which runs after every sequential test.
func TestInstallOnLateHost(t *testing.T) {
	h := newHost(t, 5, hostOptions{boot: 3 * time.Second})
	if n := h.client.DialAttempts(); n < 2 {
		t.Errorf("reached in %d attempt(s): the host was not late", n)
	}
	ctx := testContext(t)
	h.install(t, ctx)
	if ok, err := h.b.Installed(ctx); err != nil || !ok {
		t.Errorf("Installed = %v, %v", ok, err)
	}
}
