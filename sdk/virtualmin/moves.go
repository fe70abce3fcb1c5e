package virtualmin

import (
	"context"
	"errors"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Moving an account (a top-level virtual server with its sub-servers and
// alias domains) from one Virtualmin system to another: the package
// documentation gives the three ways and the safe order (copy, verify on the
// target, delete on the source); docs/virtualmin-api.md ("Moves") what each
// way needs from the real servers.

// TransferProtocol is how transfer-domain reaches the target.
type TransferProtocol string

const (
	// TransferWebmin is Webmin RPC to the target's Webmin with the target's
	// Webmin login (transfer-domain --webmin). Webmin allows RPC to users
	// named root, admin or sysadm, and to others only with rpc=1 in their
	// ACL: RPC can run anything as root on the target.
	TransferWebmin TransferProtocol = "webmin"
	// TransferSSH is SSH to the target (transfer-domain --ssh, Virtualmin's
	// default), as root or the given login; the target needs the virtualmin
	// command.
	TransferSSH TransferProtocol = "ssh"
)

// SourceAction is what transfer-domain does to the source after the copy.
type SourceAction int

const (
	// KeepSource leaves the source as it is: a copy. The safe choice.
	KeepSource SourceAction = iota
	// DisableSourceBeforeRestore disables the source ("Transferred to
	// another system") BEFORE the restore on the target, which may fail.
	DisableSourceBeforeRestore
	// DeleteSourceBeforeRestore deletes the source BEFORE the restore on
	// the target: when the restore fails, the account is gone from both
	// systems (recorded on real 8.1.0 systems). Prefer KeepSource, read
	// the target back, then Domains.Delete.
	DeleteSourceBeforeRestore
)

// TransferRequest describes a transfer-domain call.
type TransferRequest struct {
	// Domain is the account to copy: a top-level server (its sub-servers
	// and alias domains go with it) or a sub-server (whose parent must be
	// on the target already).
	Domain string
	// Host is the target as the source reaches it: "host" or "host:port"
	// (with TransferWebmin, Webmin's port, 10000 by default).
	Host string
	// Protocol is TransferWebmin or TransferSSH; there is no default.
	Protocol TransferProtocol
	// User and Pass are the target's login: a Webmin user allowed RPC with
	// TransferWebmin, a Unix login with TransferSSH (root by default).
	User string
	Pass string
	// Overwrite copies over an account the target has already (otherwise
	// that is refused with RefusalAlreadyHosted). Files only the target has
	// are kept unless DeleteMissingFiles.
	Overwrite          bool
	DeleteMissingFiles bool
	// Source is what happens to the source; KeepSource unless told.
	Source SourceAction
}

// TransferResult is what a transfer that did not report a failure printed.
type TransferResult struct {
	// Output is transfer-domain's output, the target's restore included.
	Output string
}

// Transfer copies an account to another system with transfer-domain. It
// always asks for the full output, in which a failed restore on the target
// shows.
//
// A refusal before anything was copied (a disabled account, an account the
// target has already, a missing parent, a login without RPC, a wrong
// password, an unreachable target) is an *Error whose cause is a
// *TransferRefusedError: errors.Is(err, ErrTransferRefused). Both systems
// are unchanged.
//
// transfer-domain answers "success" even when its backup, the copy or the
// restore failed. Transfer reads the output and returns, for such a
// failure, an *Error of KindFailed whose cause is a *TransferFailedError
// (errors.Is(err, ErrTransferFailed)) saying where it stopped and whether
// the source was already disabled or deleted.
//
// A nil error is still not proof that the account arrived: read it back on
// the target (Moves.ReadAccount with the target's client) and compare it
// with the source's (Account.Diff) before deleting the source.
func (s *MovesService) Transfer(ctx context.Context, req *TransferRequest) (*TransferResult, error) {
	const program = "transfer-domain"
	if req == nil {
		return nil, (*service)(s).withServer(invalid("domain", "no transfer request"), program)
	}
	dom, err := ValidateDomainName(req.Domain)
	if err != nil {
		return nil, (*service)(s).withServer(err, program)
	}
	if err := validateHostPort("host", req.Host); err != nil {
		return nil, (*service)(s).withServer(err, program)
	}
	p := params{arg("domain", dom), arg("host", req.Host)}
	switch req.Protocol {
	case TransferWebmin:
		p.flag("webmin", true)
	case TransferSSH:
		p.flag("ssh", true)
	default:
		return nil, (*service)(s).withServer(invalid("protocol", "protocol %q is not TransferWebmin or TransferSSH", req.Protocol), program)
	}
	if req.User != "" {
		if err := ValidateUsername(req.User); err != nil {
			return nil, (*service)(s).withServer(err, program)
		}
		p.add("user", req.User)
	}
	if err := validateTextField("pass", req.Pass); err != nil {
		return nil, (*service)(s).withServer(err, program)
	}
	p.add("pass", req.Pass)
	p.flag("overwrite", req.Overwrite)
	p.flag("delete-missing-files", req.DeleteMissingFiles)
	switch req.Source {
	case KeepSource:
	case DisableSourceBeforeRestore:
		p.flag("disable", true)
	case DeleteSourceBeforeRestore:
		p.flag("delete", true)
	default:
		return nil, (*service)(s).withServer(invalid("source", "unknown source action %d", req.Source), program)
	}
	p.flag("output", true)
	cl := &call{program: program, params: p, kind: write, timeout: (*service)(s).timeoutAtLeast(backupTimeout)}
	resp, err := (*service)(s).run(ctx, cl)
	if err != nil {
		return nil, refusal(err)
	}
	out := s.client.scrubKnownSecrets(cl, resp.Output)
	if f := transferOutcome(out); f != nil {
		return nil, &Error{Kind: KindFailed, Server: s.client.Server(), Program: program, Reason: f.Error(), Output: out, Err: f}
	}
	return &TransferResult{Output: out}, nil
}

// validateHostPort checks "host" or "host:port".
func validateHostPort(field, hp string) error {
	if err := validateLineField(field, hp); err != nil {
		return err
	}
	host := hp
	if h, port, err := net.SplitHostPort(hp); err == nil {
		n, perr := strconv.Atoi(port)
		if perr != nil || n < 1 || n > 65535 {
			return invalid(field, "%q has a bad port", hp)
		}
		host = h
	}
	if host == "" || strings.ContainsAny(host, " \t/@") {
		return invalid(field, "%q is not a host name or address, optionally with :port", hp)
	}
	return nil
}

// ErrTransferRefused matches (errors.Is) every *TransferRefusedError: a
// system refused to transfer an account, or to back it up to or restore it
// from another system, before anything was copied.
var ErrTransferRefused = &TransferRefusedError{}

// TransferRefusal says why.
type TransferRefusal int

const (
	// RefusalDisabled: a disabled account cannot be transferred ("Disabled
	// virtual servers cannot be transferred"). Enable it first.
	RefusalDisabled TransferRefusal = iota + 1
	// RefusalAlreadyHosted: the target has the account, or one of its
	// sub-servers or aliases, and Overwrite was not given.
	RefusalAlreadyHosted
	// RefusalMissingParent: a sub-server's parent is not on the target.
	RefusalMissingParent
	// RefusalRPCNotAllowed: the target's Webmin login may not make RPC
	// calls ("Invalid user for RPC"): it needs rpc=1 in its ACL, or to be
	// root, admin or sysadm.
	RefusalRPCNotAllowed
	// RefusalLogin: the target rejected the login or password.
	RefusalLogin
	// RefusalUnreachable: the target could not be contacted (connection
	// refused, no route, no Virtualmin there).
	RefusalUnreachable
)

var refusalNames = map[TransferRefusal]string{
	RefusalDisabled: "account disabled", RefusalAlreadyHosted: "already on the target",
	RefusalMissingParent: "parent missing on the target", RefusalRPCNotAllowed: "Webmin RPC not allowed for the target's login",
	RefusalLogin: "target login rejected", RefusalUnreachable: "target unreachable",
}

// String names the refusal in words.
func (r TransferRefusal) String() string {
	if s, ok := refusalNames[r]; ok {
		return s
	}
	return "TransferRefusal(" + strconv.Itoa(int(r)) + ")"
}

// TransferRefusedError is the cause of a refused transfer (errors.As).
type TransferRefusedError struct {
	Refusal TransferRefusal
}

// Error says what was refused.
func (e *TransferRefusedError) Error() string { return "transfer refused: " + e.Refusal.String() }

// Is matches ErrTransferRefused, and a *TransferRefusedError with the same
// Refusal.
func (e *TransferRefusedError) Is(target error) bool {
	t, ok := target.(*TransferRefusedError)
	return ok && (t.Refusal == 0 || t.Refusal == e.Refusal)
}

// refusals map the words of a refusal to its kind, in the order checked.
var refusals = []struct {
	contains string
	refusal  TransferRefusal
	kind     ErrorKind
}{
	{"Disabled virtual servers cannot be transferred", RefusalDisabled, KindFailed},
	{"is already hosted on the destination system", RefusalAlreadyHosted, KindAlreadyExists},
	{"does not exist on the destination system", RefusalMissingParent, KindNotFound},
	{"Invalid user for RPC", RefusalRPCNotAllowed, KindNotPermitted},
	{"login to RPC server as", RefusalLogin, KindNotPermitted},
	{"Permission denied", RefusalLogin, KindNotPermitted},
	{"Failed to contact Virtualmin on destination system", RefusalUnreachable, KindTransient},
	{"Failed to connect to", RefusalUnreachable, KindTransient},
	{"ssh: connect to host", RefusalUnreachable, KindTransient},
}

// refusal recognises a refusal among a program's failures and gives it its
// kind and cause; other errors are returned as they are.
func refusal(err error) error {
	var e *Error
	if !errors.As(err, &e) || e.Err != nil || (e.Kind != KindInvalidInput && e.Kind != KindFailed && e.Kind != KindNotFound && e.Kind != KindUnknown) {
		return err
	}
	for _, r := range refusals {
		if strings.Contains(e.Reason, r.contains) {
			c := *e
			c.Kind, c.Err = r.kind, &TransferRefusedError{Refusal: r.refusal}
			return &c
		}
	}
	return err
}

// ErrTransferFailed matches (errors.Is) every *TransferFailedError.
var ErrTransferFailed = &TransferFailedError{}

// TransferStep is where a transfer stopped.
type TransferStep string

const (
	// StepBackup: the backup on the source failed (MariaDB down, ...).
	StepBackup TransferStep = "backup"
	// StepCopy: the archive could not be written on the target (its disk
	// is full, ...).
	StepCopy TransferStep = "copy"
	// StepValidate: the dry run of the restore on the target failed.
	StepValidate TransferStep = "validate"
	// StepSource: disabling or deleting the source failed.
	StepSource TransferStep = "source"
	// StepRestore: the restore on the target failed.
	StepRestore TransferStep = "restore"
)

// TransferFailedError is the cause of a transfer that failed after its
// checks, although transfer-domain answered "success".
type TransferFailedError struct {
	// Step is where it stopped; Reason the line that says why.
	Step   TransferStep
	Reason string
	// SourceDisabled and SourceDeleted: the source was disabled or deleted
	// before the failure (DisableSourceBeforeRestore,
	// DeleteSourceBeforeRestore). With SourceDeleted and Step StepRestore,
	// the account is on neither system.
	SourceDisabled bool
	SourceDeleted  bool
	// TargetFull: the target ran out of disk space.
	TargetFull bool
}

// Error says where the transfer stopped and what became of the source.
func (e *TransferFailedError) Error() string {
	msg := "transfer stopped at the " + string(e.Step) + " step"
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	switch {
	case e.SourceDeleted && e.Step == StepRestore:
		msg += "; the source was deleted before the restore: the account is on neither system"
	case e.SourceDeleted:
		msg += "; the source was deleted"
	case e.SourceDisabled:
		msg += "; the source was disabled before the restore (enable it to serve it again)"
	}
	return msg
}

// Is matches ErrTransferFailed.
func (e *TransferFailedError) Is(target error) bool {
	_, ok := target.(*TransferFailedError)
	return ok && target == error(ErrTransferFailed)
}

var (
	reSourceDone  = regexp.MustCompile(`(?m)^\s*(Deleting|Disabling) \S+ (?:from|on) this system \.\.\n(?:.*\n)*?\s{4}\.\. (done|failed : .*)$`)
	reStepFailure = regexp.MustCompile(`(?m)^\s*\.\. ((?:backup of \S+|upload|validation) failed[ !:].*)$`)
)

// transferOutcome reads transfer-domain's output for a failure it did not
// report; nil when the output shows none.
func transferOutcome(out string) *TransferFailedError {
	f := &TransferFailedError{}
	if m := reSourceDone.FindStringSubmatch(out); m != nil {
		done := m[2] == "done"
		switch {
		case m[1] == "Deleting" && done:
			f.SourceDeleted = true
		case done:
			f.SourceDisabled = true
		default:
			f.Step, f.Reason = StepSource, strings.TrimPrefix(m[2], "failed : ")
			return f
		}
	}
	restore := ""
	if i := strings.Index(out, "Restoring backup on destination system .."); i >= 0 {
		restore = out[i:]
	}
	switch {
	case strings.Contains(out, "backup to remote system failed!"):
		f.Step = StepBackup
		if m := reStepFailure.FindStringSubmatch(out); m != nil {
			f.Reason = m[1]
		}
		if strings.HasPrefix(f.Reason, "upload failed") {
			f.Step = StepCopy
		}
	case strings.Contains(out, ".. validation failed"):
		f.Step = StepValidate
		if m := reStepFailure.FindStringSubmatch(out); m != nil {
			f.Reason = m[1]
		}
	case strings.Contains(restore, "Restore failed!"):
		f.Step, f.Reason = StepRestore, restoreFailure(restore)
	case strings.Contains(out, ".. transfer failed"):
		f.Step, f.Reason = StepRestore, "transfer failed"
	default:
		return nil
	}
	f.TargetFull = strings.Contains(f.Reason, "No space left on device")
	return f
}

// restoreFailure is the last ".. something" line before "Restore failed!".
func restoreFailure(restore string) string {
	lines := strings.Split(restore[:strings.Index(restore, "Restore failed!")], "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		t := strings.TrimSpace(lines[i])
		if strings.HasPrefix(t, "..") && t != ".. done" {
			return strings.TrimSpace(strings.TrimPrefix(t, ".."))
		}
	}
	return "Restore failed!"
}

// LocationProtocol says where a BackupLocation is.
type LocationProtocol string

const (
	// LocationLocal is a path on the server that runs the backup or restore.
	LocationLocal LocationProtocol = ""
	// LocationWebmin is a path on another system reached over Webmin RPC
	// (webmin://), with a Webmin login allowed RPC: root-equivalent there.
	LocationWebmin LocationProtocol = "webmin"
	// LocationSSH is a path on another system reached over SSH (ssh://).
	LocationSSH LocationProtocol = "ssh"
)

// BackupLocation is where backup-domain writes an archive and
// restore-domain reads one: a path on the server itself, or on another
// system. URL gives the string Backups.Backup and Backups.Restore take; its
// String form hides the password.
type BackupLocation struct {
	Protocol LocationProtocol
	// Host is the other system as the server reaches it: "host" or
	// "host:port" (Webmin 10000 and SSH 22 by default).
	Host string
	// User and Pass log in there.
	User string
	Pass string
	// Path is the archive's absolute path.
	Path string
}

// URL is the location as Virtualmin's backup programs take it:
// "/path", "webmin://user:pass@host[:port]:/path" or
// "ssh://user:pass@host[:port]:/path". It holds the password: pass it to
// Backups.Backup or Backups.Restore (whose logs and errors redact it), never
// print it.
func (l BackupLocation) URL() (string, error) {
	if !strings.HasPrefix(l.Path, "/") || strings.ContainsAny(l.Path, "\r\n\x00") {
		return "", invalid("path", "backup path %q is not an absolute path", l.Path)
	}
	switch l.Protocol {
	case LocationLocal:
		return l.Path, nil
	case LocationWebmin, LocationSSH:
	default:
		return "", invalid("protocol", "backup location protocol %q is not local, webmin or ssh", l.Protocol)
	}
	if err := validateHostPort("host", l.Host); err != nil {
		return "", err
	}
	// Virtualmin splits user:pass at the first colon and pass@host at the
	// last @.
	if l.User == "" || strings.ContainsAny(l.User, ":@/ \t\r\n") {
		return "", invalid("user", "login %q is empty or has a colon, @, / or space", l.User)
	}
	if strings.ContainsAny(l.Pass, "\r\n\x00") {
		return "", invalid("pass", "the password contains a line break")
	}
	return string(l.Protocol) + "://" + l.User + ":" + l.Pass + "@" + l.Host + ":" + l.Path, nil
}

// String is the URL with the password hidden.
func (l BackupLocation) String() string {
	if l.Protocol == LocationLocal {
		return l.Path
	}
	return string(l.Protocol) + "://" + l.User + ":" + redacted + "@" + l.Host + ":" + l.Path
}

// reURLSecret finds the password of a URL with credentials
// ("webmin://root:pass@host"); the password runs to the last @ before a
// space, as Virtualmin reads it.
var reURLSecret = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.\-]*://[^:/@\s]*:)\S*@`)

// redactURLSecrets hides the passwords of URLs in s.
func redactURLSecrets(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return reURLSecret.ReplaceAllString(s, "${1}"+redacted+"@")
}

var reURLLogin = regexp.MustCompile(`(?i)^[a-z][a-z0-9+.\-]*://[^:/@\s]*:`)

// urlPassword is the password of a parameter that is a URL with credentials
// ("webmin://user:pass@host:/path"), or "": what follows the login's colon
// up to the last @, as Virtualmin reads it (spaces and @ included).
func urlPassword(v string) string {
	loc := reURLLogin.FindStringIndex(v)
	at := strings.LastIndex(v, "@")
	if loc == nil || at < loc[1] {
		return ""
	}
	return v[loc[1]:at]
}

// redactURLParam hides the password of a parameter that is a URL.
func redactURLParam(v string) string {
	if pw := urlPassword(v); pw != "" {
		return strings.Replace(v, ":"+pw+"@", ":"+redacted+"@", 1)
	}
	return v
}

// Account is an account as one system holds it: a virtual server with
// the sub-servers and alias domains under it, their mailboxes and
// databases. Moves.ReadAccount reads it; Diff compares two.
type Account struct {
	// Name is the account's server.
	Name string
	// Domains are it and every server under it, in list-domains order.
	Domains []Domain
	// Mailboxes and Databases by server name.
	Mailboxes map[string][]User
	Databases map[string][]Database
}

// ReadAccount reads an account back: the server, the servers under it
// (one list-domains call for all of them), and the mailboxes and databases
// of each. KindNotFound when the server does not exist.
func (s *MovesService) ReadAccount(ctx context.Context, name string) (*Account, error) {
	c := s.client
	top, err := c.Domains.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	all, err := c.Domains.List(ctx, &ListDomainsOptions{User: top.Username})
	if err != nil {
		return nil, err
	}
	a := &Account{Name: top.Name, Mailboxes: map[string][]User{}, Databases: map[string][]Database{}}
	in := map[string]bool{top.Name: true}
	for _, d := range all {
		// Servers come after their parent in list-domains order.
		if in[d.Name] || in[d.ParentDomain] || in[d.AliasOf] {
			in[d.Name] = true
			a.Domains = append(a.Domains, d)
		}
	}
	for _, d := range a.Domains {
		if d.HasFeature("mail") && d.AliasOf == "" {
			users, err := c.Users.List(ctx, d.Name)
			if err != nil {
				return nil, err
			}
			a.Mailboxes[d.Name] = users
		}
		if d.HasFeature("mysql") || d.HasFeature("postgres") {
			dbs, err := c.Databases.List(ctx, d.Name, "")
			if err != nil {
				return nil, err
			}
			a.Databases[d.Name] = dbs
		}
	}
	return a, nil
}

// Diff lists how b differs from a in what a move must keep: the servers
// (name, type, parent, alias target, Virtualmin ID, features), their
// mailboxes and their databases with their table counts. What a restore
// re-allocates or re-creates is left out: Unix IDs, addresses, dates, sizes,
// whether a server is disabled. Empty means the same account.
func (a *Account) Diff(b *Account) []string {
	var out []string
	add := func(format string, args ...string) {
		r := format
		for _, x := range args {
			r = strings.Replace(r, "%s", x, 1)
		}
		out = append(out, r)
	}
	byName := func(ds []Domain) map[string]*Domain {
		m := map[string]*Domain{}
		for i := range ds {
			m[ds[i].Name] = &ds[i]
		}
		return m
	}
	am, bm := byName(a.Domains), byName(b.Domains)
	for _, n := range sortedKeys(am) {
		x, y := am[n], bm[n]
		if y == nil {
			add("%s is missing", n)
			continue
		}
		if x.ID != y.ID {
			add("%s has ID %s, want %s", n, y.ID, x.ID)
		}
		if x.Type != y.Type || x.ParentDomain != y.ParentDomain || x.AliasOf != y.AliasOf {
			add("%s is a %s under %s, want a %s under %s", n, y.Type, y.ParentDomain+y.AliasOf, x.Type, x.ParentDomain+x.AliasOf)
		}
		if fx, fy := sortedSet(x.Features), sortedSet(y.Features); fx != fy {
			add("%s has features %s, want %s", n, fy, fx)
		}
		var ux, uy []string
		for _, u := range a.Mailboxes[n] {
			ux = append(ux, u.Name)
		}
		for _, u := range b.Mailboxes[n] {
			uy = append(uy, u.Name)
		}
		if sx, sy := sortedSet(ux), sortedSet(uy); sx != sy {
			add("%s has mailboxes [%s], want [%s]", n, sy, sx)
		}
		dx, dy := databaseSet(a.Databases[n]), databaseSet(b.Databases[n])
		if dx != dy {
			add("%s has databases [%s], want [%s]", n, dy, dx)
		}
	}
	for _, n := range sortedKeys(bm) {
		if am[n] == nil {
			add("%s is there and should not be", n)
		}
	}
	return out
}

func sortedKeys(m map[string]*Domain) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sortedSet(l []string) string {
	c := append([]string(nil), l...)
	sort.Strings(c)
	return strings.Join(c, " ")
}

// databaseSet is "name/type(tables)" for each database, sorted.
func databaseSet(dbs []Database) string {
	var l []string
	for _, d := range dbs {
		t := "?"
		if d.Tables != nil {
			t = strconv.FormatInt(*d.Tables, 10)
		}
		l = append(l, d.Name+"/"+d.Type+"("+t+" tables)")
	}
	return sortedSet(l)
}
