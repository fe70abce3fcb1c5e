package provider

// The backup store: a directory on a host outside the fleet, reached over
// SSH (virtualmin.backup_store), where moves stage an account's archive
// (backup on the source, restore on the target) and where off-host backups
// of praho_account_backup live, to rebuild an account whose server is lost.
// Virtualmin writes and reads it itself (backup-domain dest=ssh://...,
// restore-domain source=ssh://...), with the store's login in the URL; the
// provider adds the password to the URL of each call, so neither the
// configuration of an account nor any state holds it. The provider itself
// logs into the store only to check, at plan time, the archive an account
// would be rebuilt from (that it is there, and how old it is), verifying the
// store's host key.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/ssh"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// backupStore is virtualmin.backup_store after parsing.
type backupStore struct {
	// User, Host ("host" or "host:port") and Dir come from the URL
	// ssh://user@host[:port]:/dir.
	User, Host, Dir string
	Password        string
	// HostKey and HostKeySHA256 verify the store when the provider logs in.
	HostKey, HostKeySHA256 string
}

// parseStoreURL reads ssh://user@host[:port]:/path, Virtualmin's form of an
// SSH backup destination, without a password.
func parseStoreURL(s string) (user, host, dir string, err error) {
	rest, ok := strings.CutPrefix(s, "ssh://")
	if !ok {
		return "", "", "", fmt.Errorf("%q: want ssh://user@host:/path (or ssh://user@host:port:/path), the form of "+
			"Virtualmin's SSH backup destinations", s)
	}
	user, rest, ok = strings.Cut(rest, "@")
	if !ok || user == "" || strings.ContainsAny(user, ":/ ") {
		return "", "", "", fmt.Errorf("%q: want the login before @ (ssh://user@host:/path), and no password: the password "+
			"goes in backup_store.password", s)
	}
	i := strings.Index(rest, ":/")
	if i <= 0 {
		return "", "", "", fmt.Errorf("%q: want host:/path after @", s)
	}
	host, dir = rest[:i], path.Clean(rest[i+1:])
	if h, p, err := net.SplitHostPort(host); err == nil {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 || h == "" {
			return "", "", "", fmt.Errorf("%q: port %q is not a number from 1 to 65535", s, p)
		}
	} else if strings.Contains(host, ":") || strings.ContainsAny(host, " /@") {
		return "", "", "", fmt.Errorf("%q: %q is not a host name or address", s, host)
	}
	if strings.ContainsAny(dir, "\r\n\x00 ") {
		return "", "", "", fmt.Errorf("%q: the path must not contain spaces or line breaks", s)
	}
	return user, host, dir, nil
}

// location is the store location of path (absolute, inside the store) with
// the store's login: what backup-domain and restore-domain are given.
func (b *backupStore) location(p string) virtualmin.BackupLocation {
	return virtualmin.BackupLocation{Protocol: virtualmin.LocationSSH, Host: b.Host, User: b.User, Pass: b.Password, Path: p}
}

// url is the store's URL without a password, as the user wrote it.
func (b *backupStore) url(p string) string { return "ssh://" + b.User + "@" + b.Host + ":" + p }

// within reports whether dest (an ssh:// URL without a password) names a
// file on the store with the store's login, and returns its path.
func (b *backupStore) within(dest string) (string, bool) {
	if b == nil {
		return "", false
	}
	user, host, p, err := parseStoreURL(dest)
	if err != nil || user != b.User || !sameSSHHost(host, b.Host) {
		return "", false
	}
	return p, true
}

// sameSSHHost compares host[:port] with the default port 22.
func sameSSHHost(a, b string) bool {
	norm := func(h string) string {
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(h, "22")
		}
		return strings.ToLower(h)
	}
	return norm(a) == norm(b)
}

// movePath is where a move stages the archive of the account of domain
// (Virtualmin's ID id): one name per account, so a retried move overwrites
// the archive of the attempt before instead of leaving another one.
func (b *backupStore) movePath(domain, id string) string {
	return b.Dir + "/praho-move-" + domain + "-" + id + ".tar.gz"
}

// archiveInfo is what the store says of an archive.
type archiveInfo struct {
	Size     int64
	Modified time.Time
	// ID is the Virtualmin ID of the server backed up, from the ".dom" file
	// backup-domain writes beside the archive; "" when it cannot be read.
	ID string
}

// stat logs into the store and reads the size and time of the archive at p.
// It returns an error wrapping errArchiveMissing when there is none.
func (b *backupStore) stat(ctx context.Context, p string) (*archiveInfo, error) {
	cfg := ssh.Config{Addr: b.Host, User: b.User, Auth: []ssh.AuthMethod{ssh.Password(b.Password)}, ConnectTimeout: 15 * time.Second}
	switch {
	case b.HostKey != "":
		cfg.HostKey = ssh.PinnedKey(b.HostKey)
	case b.HostKeySHA256 != "":
		cfg.HostKey = ssh.FingerprintSHA256(b.HostKeySHA256)
	default:
		return nil, errors.New("the store's host key is not configured: set backup_store.host_key or backup_store.host_key_sha256, " +
			"so that the provider can check the archive (it never logs into a host it cannot verify)")
	}
	c, err := ssh.Dial(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	res, err := c.Run(ctx, ssh.Command{Script: `if [ -f "$1" ]; then stat -c '%s %Y' "$1"; else echo missing; fi`, Args: []string{p},
		Secrets: []string{b.Password}})
	if err != nil {
		return nil, err
	}
	out, _, _ := strings.Cut(string(res.Stdout), "\n")
	out = strings.TrimSpace(out)
	if out == "missing" {
		return nil, fmt.Errorf("%w: %s", errArchiveMissing, b.url(p))
	}
	f := strings.Fields(out)
	if len(f) != 2 {
		return nil, fmt.Errorf("unexpected answer of stat on the store: %q", out)
	}
	size, err1 := strconv.ParseInt(f[0], 10, 64)
	secs, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("unexpected answer of stat on the store: %q", out)
	}
	info := &archiveInfo{Size: size, Modified: time.Unix(secs, 0).UTC()}
	if d, err := c.Run(ctx, ssh.Command{Args: []string{"cat", p + ".dom"}}); err == nil {
		info.ID = backupDomainID(d.Stdout)
	}
	return info, nil
}

// backupDomainID reads the "id" of the .dom file backup-domain writes beside
// an archive: Virtualmin writes its domain hash as key=value lines, the
// simulator as JSON; "" when neither.
func backupDomainID(b []byte) string {
	var j struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(b, &j) == nil {
		return j.ID
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "id="); ok {
			return v
		}
	}
	return ""
}

// storeError is a sentinel error of the backup store.
type storeError string

func (e storeError) Error() string { return string(e) }

// errArchiveMissing: the store has no archive at that path.
const errArchiveMissing = storeError("no archive at")

// The values of virtualmin.move_method.
const (
	moveViaStore   = "backup_store"
	moveViaRootRPC = "transfer_with_root_rpc"
)

// withPassword returns dest with the store's password when it names a file
// in the store without one (so that praho_account_backup's destination, and
// the state holding it, carry no password); any other dest as it is.
func (b *backupStore) withPassword(dest string) string {
	p, ok := b.within(dest)
	if !ok || b.Password == "" {
		return dest
	}
	u, err := b.location(p).URL()
	if err != nil {
		return dest
	}
	return u
}
