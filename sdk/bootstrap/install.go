package bootstrap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/praho/terraform-provider-praho/sdk/ssh"
)

// InstallMode chooses what Virtualmin's installer sets up.
type InstallMode int

const (
	// Minimal installs Webmin and Virtualmin without the web and mail stack
	// (--minimal).
	Minimal InstallMode = iota
	// BundleLAMP installs the Apache stack (--bundle LAMP).
	BundleLAMP
	// BundleLEMP installs the nginx stack (--bundle LEMP).
	BundleLEMP
)

// String implements fmt.Stringer.
func (m InstallMode) String() string {
	switch m {
	case Minimal:
		return "minimal"
	case BundleLAMP:
		return "LAMP"
	case BundleLEMP:
		return "LEMP"
	}
	return fmt.Sprintf("InstallMode(%d)", int(m))
}

// ValidateHostname checks that name is a host name: labels of letters,
// digits and hyphens (no leading or trailing hyphen, at most 63 characters),
// joined by dots, at most 253 characters, with an optional trailing dot. The
// name reaches the installer's command line and openssl's certificate subject
// and subjectAltName, whose parsers give "/", "+", "=", ",", "$" and "\"
// meanings (more subject fields, more names, variables): none of them can
// pass this check. The error wraps ErrInvalidOptions.
func ValidateHostname(name string) error {
	n := strings.TrimSuffix(name, ".")
	bad := func(why string) error {
		return fmt.Errorf("%w: hostname %q is not a host name: %s", ErrInvalidOptions, name, why)
	}
	if n == "" {
		return bad("it is empty")
	}
	if len(n) > 253 {
		return bad("it is longer than 253 characters")
	}
	for _, l := range strings.Split(n, ".") {
		switch {
		case l == "":
			return bad("it has an empty label")
		case len(l) > 63:
			return bad("label " + strconv.Quote(l) + " is longer than 63 characters")
		case l[0] == '-' || l[len(l)-1] == '-':
			return bad("label " + strconv.Quote(l) + " starts or ends with a hyphen")
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return bad(fmt.Sprintf("%q is not a letter, a digit, a hyphen or a dot (an IDN goes in its punycode form)", r))
			}
		}
	}
	return nil
}

// DefaultInstallerURL is where Virtualmin publishes its installer.
const DefaultInstallerURL = "https://software.virtualmin.com/gpl/scripts/virtualmin-install.sh"

// InstallOptions configures Install.
type InstallOptions struct {
	// Mode is Minimal, BundleLAMP or BundleLEMP.
	Mode InstallMode
	// Hostname is the host's fully qualified name (--hostname); empty keeps
	// the host's own.
	Hostname string
	// Force passes --force, which answers yes to the installer's questions;
	// without it the installer asks for a confirmation that never comes.
	Force bool
	// InstallerURL is downloaded on the host (curl or wget). Empty means
	// DefaultInstallerURL unless InstallerFile is set.
	InstallerURL string
	// InstallerFile is a local installer uploaded over SSH, for hosts
	// without internet access. It wins over InstallerURL.
	InstallerFile string
	// InstallerSHA256 is the installer's expected SHA-256 (hex). When set,
	// the installer is checked on the host before it runs, and a mismatch
	// is an error (ErrInstallerChecksum).
	InstallerSHA256 string
	// InsecureAllowHTTP lets InstallerURL be a plain http:// URL. The
	// installer runs as root, so anyone on the path could then run code on
	// the host; prefer https or InstallerSHA256.
	InsecureAllowHTTP bool
	// ExtraArgs are more installer arguments (for example "--unstable").
	ExtraArgs []string
}

// ErrInstallerChecksum is returned when the installer's SHA-256 is not
// InstallOptions.InstallerSHA256; nothing was run.
var ErrInstallerChecksum = errors.New("bootstrap: the installer's SHA-256 does not match")

// ErrInstallFailed marks a failed installer run (errors.Is); the error is an
// *InstallError with the tail of the installer's output.
var ErrInstallFailed = errors.New("bootstrap: Virtualmin installer failed")

// InstallError is a failed installer run.
type InstallError struct {
	// Status is the installer's exit status (-1 when killed by a signal).
	Status int
	// Tail is the end of the installer's output (stdout and stderr).
	Tail string
	// Err is the underlying error, an *ssh.ExitError.
	Err error
}

// Error implements error.
func (e *InstallError) Error() string {
	return fmt.Sprintf("bootstrap install: Virtualmin installer failed with status %d; end of its output:\n%s", e.Status, e.Tail)
}

// Unwrap returns the underlying error.
func (e *InstallError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrInstallFailed) true.
func (e *InstallError) Is(target error) bool { return target == ErrInstallFailed }

// installedExit is the installer's exit status when Virtualmin is already
// installed.
const installedExit = 100

// Installed reports whether Virtualmin's installer has completed on the host
// (its marker file exists).
func (b *Bootstrapper) Installed(ctx context.Context) (bool, error) {
	out, err := b.script(ctx, "install", "check the installer's marker",
		`if [ -e "$1" ]; then echo yes; else echo no; fi`, b.path(InstalledMarker))
	if err != nil {
		return false, err
	}
	return strings.TrimSpace(out) == "yes", nil
}

// installerArgs builds the installer's command line arguments.
func installerArgs(o InstallOptions) ([]string, error) {
	if o.InstallerFile == "" && strings.HasPrefix(strings.ToLower(o.InstallerURL), "http:") && !o.InsecureAllowHTTP {
		return nil, fmt.Errorf("%w: installer URL %q is plain http (set InsecureAllowHTTP to allow it)", ErrInvalidOptions, o.InstallerURL)
	}
	if o.InstallerSHA256 != "" && !sha256Hex.MatchString(strings.ToLower(o.InstallerSHA256)) {
		return nil, fmt.Errorf("%w: installer SHA-256 %q is not 64 hex digits", ErrInvalidOptions, o.InstallerSHA256)
	}
	var args []string
	switch o.Mode {
	case Minimal:
		args = append(args, "--minimal")
	case BundleLAMP:
		args = append(args, "--bundle", "LAMP")
	case BundleLEMP:
		args = append(args, "--bundle", "LEMP")
	default:
		return nil, fmt.Errorf("%w: unknown install mode %d", ErrInvalidOptions, int(o.Mode))
	}
	if o.Hostname != "" {
		if err := ValidateHostname(o.Hostname); err != nil {
			return nil, err
		}
		args = append(args, "--hostname", o.Hostname)
	}
	if o.Force {
		args = append(args, "--force")
	}
	return append(args, o.ExtraArgs...), nil
}

// Install runs Virtualmin's installer unless the host is already installed.
// The installer is uploaded from InstallerFile or downloaded on the host from
// InstallerURL. Its output goes to the progress function line by line; a
// failure is an *InstallError (errors.Is ErrInstallFailed) with the tail of
// the output. An installer that exits 100 found Virtualmin installed: that is
// reported as unchanged, not as a failure.
func (b *Bootstrapper) Install(ctx context.Context, o InstallOptions) (StepResult, error) {
	res := StepResult{Name: "install"}
	args, err := installerArgs(o)
	if err != nil {
		return res, err
	}
	if o.InstallerFile != "" {
		// Refused before anything runs on the host.
		if _, err := os.Stat(o.InstallerFile); err != nil {
			return res, fmt.Errorf("%w: installer file: %v", ErrInvalidOptions, err)
		}
	}
	installed, err := b.Installed(ctx)
	if err != nil {
		return res, err
	}
	if installed {
		res.Detail = "Virtualmin is already installed (" + InstalledMarker + " exists)"
		b.log.Debug("bootstrap install skipped", "reason", res.Detail)
		return res, nil
	}

	dir, installer, source, err := b.fetchInstaller(ctx, res.Name, o)
	if dir != "" {
		defer b.removeDir(ctx, res.Name, dir)
	}
	if err != nil {
		return res, err
	}
	if err := b.checkInstaller(ctx, res.Name, installer, o.InstallerSHA256); err != nil {
		return res, err
	}
	b.log.Info("bootstrap install: running the Virtualmin installer", "source", source, "args", strings.Join(args, " "))
	err = b.runInstaller(ctx, res.Name, installer, args)
	var ie *InstallError
	if errors.As(err, &ie) && ie.Status == installedExit {
		res.Detail = "the installer found Virtualmin already installed (exit 100)"
		return res, nil
	}
	if err != nil {
		return res, err
	}
	if installed, err = b.Installed(ctx); err != nil {
		return res, err
	}
	if !installed {
		return res, &StepError{Step: "install", Op: "check the result",
			Err: errors.New("the installer exited 0 but did not write " + InstalledMarker)}
	}
	res.Changed = true
	res.Detail = fmt.Sprintf("installed Virtualmin (%s) with %s", o.Mode, source)
	return res, nil
}

// installTailLines is how many lines of output an InstallError keeps.
const installTailLines = 60

// lineTail keeps the last max lines written to it.
type lineTail struct {
	mu    sync.Mutex
	max   int
	lines []string
}

func (t *lineTail) add(l string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, l)
	if len(t.lines) > t.max {
		t.lines = t.lines[len(t.lines)-t.max:]
	}
}

func (t *lineTail) get() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.lines...)
}

// installTail is the end of the output, followed by the end of stderr when
// later stdout pushed it out.
func installTail(all, stderr *lineTail) string {
	lines := all.get()
	out := strings.Join(lines, "\n")
	errs := stderr.get()
	if len(errs) > 0 {
		in := map[string]bool{}
		for _, l := range lines {
			in[l] = true
		}
		missing := false
		for _, l := range errs {
			missing = missing || !in[l]
		}
		if missing {
			out += "\n--- end of stderr:\n" + strings.Join(errs, "\n")
		}
	}
	return out
}

// Uninstall runs Virtualmin's installer with --uninstall (and --force, as
// nobody answers its question), which removes Virtualmin, Webmin and their
// packages. It does nothing when the host is not installed. The installer
// comes from o.InstallerFile or o.InstallerURL as for Install; o.Mode and
// o.Hostname are ignored.
func (b *Bootstrapper) Uninstall(ctx context.Context, o InstallOptions) (StepResult, error) {
	res := StepResult{Name: "uninstall"}
	if _, err := installerArgs(InstallOptions{InstallerURL: o.InstallerURL, InstallerFile: o.InstallerFile, InstallerSHA256: o.InstallerSHA256, InsecureAllowHTTP: o.InsecureAllowHTTP}); err != nil {
		return res, err
	}
	installed, err := b.Installed(ctx)
	if err != nil {
		return res, err
	}
	if !installed {
		res.Detail = "Virtualmin is not installed"
		return res, nil
	}
	dir, installer, source, err := b.fetchInstaller(ctx, res.Name, o)
	if dir != "" {
		defer b.removeDir(ctx, res.Name, dir)
	}
	if err != nil {
		return res, err
	}
	if err := b.checkInstaller(ctx, res.Name, installer, o.InstallerSHA256); err != nil {
		return res, err
	}
	b.log.Info("bootstrap uninstall: running the Virtualmin installer with --uninstall", "source", source)
	if err := b.runInstaller(ctx, res.Name, installer, []string{"--uninstall", "--force"}); err != nil {
		return res, err
	}
	if installed, err = b.Installed(ctx); err != nil {
		return res, err
	}
	if installed {
		return res, &StepError{Step: res.Name, Op: "check the result", Err: errors.New("the installer exited 0 but " + InstalledMarker + " is still there")}
	}
	res.Changed = true
	res.Detail = "uninstalled Virtualmin with " + source
	return res, nil
}

// fetchInstaller puts the installer in a new temporary directory on the
// host: uploaded from o.InstallerFile or downloaded there from
// o.InstallerURL. It returns the directory (to remove), the installer's path
// and where it came from.
func (b *Bootstrapper) fetchInstaller(ctx context.Context, step string, o InstallOptions) (dir, installer, source string, err error) {
	var local []byte
	if o.InstallerFile != "" {
		if local, err = os.ReadFile(o.InstallerFile); err != nil {
			return "", "", "", fmt.Errorf("%w: installer file: %v", ErrInvalidOptions, err)
		}
	}
	dir, err = b.script(ctx, step, "create a temporary directory",
		`mkdir -p "$1" && mktemp -d "$1/praho-install.XXXXXXXX"`, b.path("/tmp"))
	if err != nil {
		return "", "", "", err
	}
	dir = strings.TrimSpace(dir)
	installer = dir + "/virtualmin-install.sh"
	if local != nil {
		if err := b.ssh.Upload(ctx, installer, 0o700, bytes.NewReader(local)); err != nil {
			return dir, "", "", &StepError{Step: step, Op: "upload the installer", Err: err}
		}
		return dir, installer, o.InstallerFile, nil
	}
	url := o.InstallerURL
	if url == "" {
		url = DefaultInstallerURL
	}
	b.log.Info("bootstrap "+step+": downloading the installer on the host", "url", url)
	if _, err := b.script(ctx, step, "download the installer", `
if command -v curl >/dev/null 2>&1; then
	curl -fsSL --retry 3 -o "$1" -- "$2"
elif command -v wget >/dev/null 2>&1; then
	wget -q -O "$1" -- "$2"
else
	echo "neither curl nor wget is installed" >&2; exit 127
fi`, installer, url); err != nil {
		return dir, "", "", err
	}
	return dir, installer, url, nil
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// checkInstaller compares the installer's SHA-256, computed on the host,
// with the expected one.
func (b *Bootstrapper) checkInstaller(ctx context.Context, step, installer, want string) error {
	if want == "" {
		return nil
	}
	out, err := b.script(ctx, step, "compute the installer's SHA-256", `
if command -v sha256sum >/dev/null 2>&1; then
	sha256sum -- "$1" | cut -d ' ' -f 1
else
	openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1
fi`, installer)
	if err != nil {
		return err
	}
	if got := strings.TrimSpace(out); got != strings.ToLower(want) {
		return &StepError{Step: step, Op: "check the installer", Err: fmt.Errorf("%w: it is %s, want %s", ErrInstallerChecksum, got, strings.ToLower(want))}
	}
	return nil
}

// removeDir removes a temporary directory, with a fresh context: the
// caller's may be done.
func (b *Bootstrapper) removeDir(ctx context.Context, step, dir string) {
	_, _ = b.script(context.WithoutCancel(ctx), step, "remove the temporary directory", `rm -rf -- "$1"`, dir)
}

// runInstaller runs the installer, streaming its output to the log and the
// progress function. A non-zero exit is an *InstallError with the tail.
func (b *Bootstrapper) runInstaller(ctx context.Context, step, installer string, args []string) error {
	// stdout and stderr come on separate SSH channels, so a flood of
	// stdout can arrive after the error messages printed last: keep the
	// end of each.
	tail, errTail := &lineTail{max: installTailLines}, &lineTail{max: installTailLines / 2}
	emit := func(line string) {
		b.log.Debug("bootstrap "+step+" output", "line", line)
		if b.progress != nil {
			b.progress(step, line)
		}
	}
	stdout := &lineWriter{fn: func(line string) { tail.add(line); emit(line) }}
	stderr := &lineWriter{fn: func(line string) { tail.add(line); errTail.add(line); emit(line) }}
	_, err := b.ssh.Run(ctx, ssh.Command{
		Args:   append([]string{"sh", installer}, args...),
		Stdout: stdout,
		Stderr: stderr,
	})
	stdout.flush()
	stderr.flush()
	var exit *ssh.ExitError
	switch {
	case errors.As(err, &exit):
		return &InstallError{Status: exit.Status, Tail: installTail(tail, errTail), Err: err}
	case err != nil:
		return &StepError{Step: step, Op: "run the installer", Err: err}
	}
	return nil
}
