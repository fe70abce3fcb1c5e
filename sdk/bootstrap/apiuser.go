package bootstrap

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"fmt"
	"net"
	"regexp"
	"strings"

	"github.com/praho/terraform-provider-praho/sdk/ssh"
)

//go:embed apiuser.pl
var apiUserScript string

// APIUserOptions configures EnsureAPIUser.
type APIUserOptions struct {
	// Name is the Webmin login of the API user.
	Name string
	// Password is its password. It travels only on the script's stdin.
	Password string
	// AllowFrom lists the addresses or networks (CIDR) Webmin accepts logins
	// from (miniserv.conf allow=). Empty leaves Webmin's setting alone.
	AllowFrom []string
}

var webminUserName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

func (o APIUserOptions) validate() error {
	if !webminUserName.MatchString(strings.ToLower(o.Name)) {
		return fmt.Errorf("%w: API user name %q: letters, digits, '.', '_' and '-' only", ErrInvalidOptions, o.Name)
	}
	if o.Password == "" || strings.ContainsAny(o.Password, "\r\n\x00") {
		return fmt.Errorf("%w: API user password is empty or holds a line break or NUL", ErrInvalidOptions)
	}
	for _, a := range o.AllowFrom {
		if net.ParseIP(a) != nil {
			continue
		}
		if _, _, err := net.ParseCIDR(a); err == nil {
			continue
		}
		return fmt.Errorf("%w: allowed address %q is not an IP address or CIDR network", ErrInvalidOptions, a)
	}
	return nil
}

// EnsureAPIUser makes sure the host has a Webmin user Name with the
// virtual-server module only and that module's default ACL (a Virtualmin
// master admin: on every released Virtualmin the only kind of user the remote
// API accepts), with Password, and that Webmin accepts logins only from
// AllowFrom. It uploads a Perl script and feeds it the password on stdin, so
// the password is in no command line, environment, log or error. Webmin is
// reloaded (SIGUSR1) only when something changed. The result is unchanged
// when everything already was right.
func (b *Bootstrapper) EnsureAPIUser(ctx context.Context, o APIUserOptions) (StepResult, error) {
	res := StepResult{Name: "api-user"}
	if err := o.validate(); err != nil {
		return res, err
	}
	if b.ssh == nil {
		return res, &StepError{Step: res.Name, Op: "connect", Err: errNoSSH}
	}
	suffix := make([]byte, 8)
	_, _ = rand.Read(suffix)
	tmp, err := b.script(ctx, res.Name, "create a temporary directory", `mkdir -p "$1" && echo "$1"`, b.path("/tmp"))
	if err != nil {
		return res, err
	}
	script := strings.TrimSpace(tmp) + "/praho-apiuser-" + hex.EncodeToString(suffix) + ".pl"
	if err := b.ssh.Upload(ctx, script, 0o700, strings.NewReader(apiUserScript)); err != nil {
		return res, &StepError{Step: res.Name, Op: "upload the script", Err: err}
	}
	defer func() {
		_, _ = b.script(context.WithoutCancel(ctx), res.Name, "remove the script", `rm -f -- "$1"`, script)
	}()
	args := append([]string{"perl", script, b.path(WebminConfigDir), o.Name}, o.AllowFrom...)
	out, err := b.ssh.Run(ctx, ssh.Command{
		Args:    args,
		Stdin:   strings.NewReader(o.Password + "\n"),
		Secrets: []string{o.Password},
	})
	if err != nil {
		return res, &StepError{Step: res.Name, Op: "create or update the Webmin user", Err: err}
	}
	var changed, all []string
	for _, l := range strings.Split(strings.TrimSpace(string(out.Stdout)), "\n") {
		l = ssh.Redact(l, []string{o.Password})
		switch {
		case strings.HasPrefix(l, "changed: "):
			changed = append(changed, strings.TrimPrefix(l, "changed: "))
		case strings.HasPrefix(l, "reloaded: "):
			changed = append(changed, "reloaded "+strings.TrimPrefix(l, "reloaded: "))
		}
		all = append(all, strings.TrimPrefix(strings.TrimPrefix(l, "ok: "), "changed: "))
	}
	res.Changed = len(changed) > 0
	if res.Changed {
		res.Detail = strings.Join(changed, "; ")
		b.log.Info("bootstrap api-user", "user", o.Name, "changed", res.Detail)
	} else {
		res.Detail = strings.Join(all, "; ")
		b.log.Debug("bootstrap api-user unchanged", "user", o.Name)
	}
	return res, nil
}

// RemoveAPIUser deletes the Webmin user name (its lines in miniserv.users and
// webmin.acl and its Virtualmin ACL file) and reloads Webmin; unchanged when
// there is no such user. Webmin's allow= is left as it is.
func (b *Bootstrapper) RemoveAPIUser(ctx context.Context, name string) (StepResult, error) {
	res := StepResult{Name: "api-user"}
	if !webminUserName.MatchString(strings.ToLower(name)) {
		return res, fmt.Errorf("%w: API user name %q", ErrInvalidOptions, name)
	}
	out, err := b.script(ctx, res.Name, "remove the Webmin user", `
config=$1; name=$2
for f in "$config/miniserv.users" "$config/webmin.acl"; do
	[ -e "$f" ] || continue
	if awk -F: -v n="$name" '$1 == n { found = 1 } END { exit !found }' "$f"; then
		cp -p "$f" "$f.praho" && awk -F: -v n="$name" '$1 != n' "$f" > "$f.praho" && mv -f "$f.praho" "$f" || exit 1
		echo "removed $name from $(basename "$f")"
	fi
done
if [ -e "$config/virtual-server/$name.acl" ]; then
	rm -f "$config/virtual-server/$name.acl" && echo "removed the Virtualmin ACL of $name"
fi
`, b.path(WebminConfigDir), name)
	if err != nil {
		return res, err
	}
	done := strings.Fields(strings.TrimSpace(out))
	if len(done) == 0 {
		res.Detail = "no Webmin user " + name
		return res, nil
	}
	pid, err := b.script(ctx, res.Name, "reload Webmin", `
pidfile=$(sed -n 's/^pidfile=//p' "$1/miniserv.conf" 2>/dev/null | head -n1)
pid=$(cat "$pidfile" 2>/dev/null)
if [ -n "$pid" ] && kill -USR1 "$pid" 2>/dev/null; then echo "$pid"; fi
`, b.path(WebminConfigDir))
	if err != nil {
		return res, err
	}
	res.Changed = true
	res.Detail = strings.ReplaceAll(strings.TrimSpace(out), "\n", "; ")
	if p := strings.TrimSpace(pid); p != "" {
		res.Detail += "; reloaded miniserv (pid " + p + ")"
	}
	b.log.Info("bootstrap api-user removed", "user", name, "changed", res.Detail)
	return res, nil
}
