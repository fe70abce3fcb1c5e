package virtualmintest

import (
	"context"
	"embed"
	"regexp"
	"strconv"
	"strings"
	"time"
)

//go:embed assets
var assets embed.FS

func asset(name string) string {
	b, err := assets.ReadFile("assets/" + name)
	if err != nil {
		panic("virtualmintest: missing asset " + name)
	}
	return string(b)
}

// callCtx is who runs a program.
type callCtx struct {
	user   string
	role   Role
	domain string // the domain a domain owner owns
	// ctx ends when the caller goes away (programs that reach other hosts
	// stop waiting for them).
	ctx context.Context
	// step is an injected failure at one step of a program that works in
	// steps (Fault.Step).
	step *Fault
}

// failAt returns the injected failure's message when the program is to
// fail at step.
func (cc *callCtx) failAt(step Step) (string, bool) {
	if cc.step == nil || cc.step.Step != step {
		return "", false
	}
	if cc.step.Message == "" {
		return "Injected failure", true
	}
	return cc.step.Message, true
}

func (cc *callCtx) context() context.Context {
	if cc.ctx == nil {
		return context.Background()
	}
	return cc.ctx
}

// result is what a Virtualmin program printed (stdout and stderr together)
// and its exit code.
type result struct {
	out  string
	exit int
}

var programName = regexp.MustCompile(`^[a-z0-9\-]+$`)

// writePrograms change state: they take the global write lock (Virtualmin's
// lock files) and save the state file.
var writePrograms = map[string]bool{
	"create-domain": true, "delete-domain": true, "disable-domain": true, "enable-domain": true,
	"modify-domain": true, "create-user": true, "modify-user": true, "delete-user": true,
	"create-database": true, "delete-database": true, "modify-web": true, "modify-limits": true,
	"modify-dns": true, "generate-letsencrypt-cert": true, "backup-domain": true, "restore-domain": true,
	"create-admin": true, "delete-admin": true, "install-cert": true,
}

// remoteAPIPrograms are the allow-listed programs a RoleRemoteAPI user may
// call (the per-domain capability checks happen in the programs).
var remoteAPIPrograms = map[string]bool{
	"list-domains": true, "list-users": true, "create-user": true, "modify-user": true, "delete-user": true,
	"list-databases": true, "create-database": true, "delete-database": true, "delete-domain": true,
	"create-domain": true, "get-dns": true, "modify-dns": true, "disable-domain": true, "enable-domain": true,
}

// domainOwnerPrograms are the programs a domain owner with the remote_api
// capability may call (a subset of Virtualmin's %user_remote_api_commands).
var domainOwnerPrograms = map[string]bool{
	"list-domains": true, "list-users": true, "create-user": true, "modify-user": true, "delete-user": true,
	"list-databases": true, "create-database": true, "delete-database": true, "delete-domain": true,
	"create-domain": true, "get-dns": true, "modify-dns": true,
}

// firstLine is the first non-blank line, split as remote.cgi splits it (at
// \r?\n: "refused\r\r\n" gives "refused\r", moves 25).
func firstLine(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.TrimSpace(l) != "" {
			return strings.TrimSuffix(l, "\r")
		}
	}
	return ""
}

// remoteCGI runs one call as remote.cgi does and returns the response, or the
// fault that replaces it.
func (s *Server) remoteCGI(cc *callCtx, params [][2]string, rec *Request) (rawResponse, *Fault) {
	program, format, formatVal := "", "", ""
	hasProgram := false
	var argv []string
	for _, p := range params {
		switch p[0] {
		case "program":
			if !hasProgram {
				program, hasProgram = p[1], true
			}
			continue
		case "json", "xml", "perl":
			format, formatVal = p[0], p[1]
			continue
		}
		argv = append(argv, "--"+p[0])
		if p[1] != "" {
			argv = append(argv, strings.Split(p[1], "\n")...)
		}
	}
	text := func(body string) (rawResponse, *Fault) {
		s.record(*rec, 200)
		return rawResponse{code: 200, reason: "Document follows", ctype: "text/plain", body: body}, nil
	}
	if !hasProgram || program == "" {
		return text(asset("help.txt"))
	}
	cgiError := func(msg string) (rawResponse, *Fault) {
		o := newObject()
		o.set("error", msg)
		o.set("status", "error")
		switch format {
		case "json":
			if formatVal == "minified" {
				return text(encodeJSONMinified(o))
			}
			return text(encodeJSONPretty(o) + "\n")
		case "xml":
			return text(encodeXML(o))
		case "perl":
			return text(encodePerl(o))
		}
		return text("ERROR: " + msg + "\n")
	}
	if !programName.MatchString(program) {
		return cgiError("Invalid remote program name")
	}
	if !s.hasProgram(program) {
		return cgiError("Remote program " + program + " does not exist")
	}
	denied := "ERROR: You are not allowed to run remote commands\n"
	switch cc.role {
	case RoleRestricted:
		return text(denied)
	case RoleRemoteAPI:
		if !remoteAPIPrograms[program] {
			return text(denied)
		}
	case roleDomainOwner:
		s.mu.Lock()
		d := s.st.find(cc.domain)
		allowed := d != nil && d.RemoteAPI && domainOwnerPrograms[program]
		s.mu.Unlock()
		if !allowed {
			return text(denied)
		}
	}

	res, fault := s.execute(cc, program, argv, nil)
	if fault != nil {
		status := 0
		if fault.Kind == FaultHTTP500 {
			status = 500
		}
		s.record(*rec, status)
		return rawResponse{}, fault
	}
	s.record(*rec, 200)
	return s.render(program, argv, format, formatVal, res), nil
}

// dataPrograms are converted from text to data objects in JSON/XML.
func isDataProgram(program string, argv []string) bool {
	for _, a := range argv {
		if a == "--simple-multiline" {
			return false
		}
	}
	// json-lib.pl: list-* and get-dns (multiline is forced), list-php-ini and
	// get-command always (json-lib.pl; no recording of the last two).
	return strings.HasPrefix(program, "list-") || strings.HasPrefix(program, "get-dns") ||
		strings.HasPrefix(program, "list-php-ini") || strings.HasPrefix(program, "get-command") ||
		program == "get-ssl" || program == "stat-file"
}

func (s *Server) render(program string, argv []string, format, formatVal string, res result) rawResponse {
	if format == "" {
		return rawResponse{code: 200, reason: "Document follows", ctype: "text/plain",
			body: res.out + "\nExit status: " + strconv.Itoa(res.exit*256) + "\n"}
	}
	o := newObject()
	o.set("command", program)
	if res.exit == 0 {
		o.set("status", "success")
		if program == "validate-domains" {
			o.set("data", parseValidate(res.out))
		} else if isDataProgram(program, argv) {
			o.set("data", parseMultiline(res.out))
		} else {
			o.set("output", res.out)
		}
	} else {
		o.set("status", "failure")
		o.set("error", firstLine(res.out))
		o.set("full_error", res.out)
	}
	switch format {
	case "xml":
		return rawResponse{code: 200, reason: "Document follows", ctype: "application/xml", body: encodeXML(o)}
	case "perl":
		return rawResponse{code: 200, reason: "Document follows", ctype: "text/plain", body: encodePerl(o)}
	}
	if formatVal == "minified" {
		return rawResponse{code: 200, reason: "Document follows", ctype: "application/json", body: encodeJSONMinified(o)}
	}
	return rawResponse{code: 200, reason: "Document follows", ctype: "application/json", body: encodeJSONPretty(o) + "\n"}
}

// encodePerl mimics Data::Dumper with its default Indent=2 (72).
func encodePerl(v value) string {
	var b strings.Builder
	b.WriteString("$VAR1 = ")
	writePerl(&b, v, 8)
	b.WriteString(";\n")
	return b.String()
}

func perlString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func writePerl(b *strings.Builder, v value, col int) {
	pad := strings.Repeat(" ", col+2)
	switch t := v.(type) {
	case string:
		b.WriteString(perlString(t))
	case *object:
		if len(t.keys) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{\n")
		for i, k := range t.keys {
			lead := perlString(k) + " => "
			b.WriteString(pad + lead)
			writePerl(b, t.vals[k], col+2+len(lead))
			if i < len(t.keys)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(strings.Repeat(" ", col) + "}")
	case []value:
		if len(t) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for i, e := range t {
			b.WriteString(pad)
			writePerl(b, e, col+2)
			if i < len(t)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(strings.Repeat(" ", col) + "]")
	}
}

// netPrograms reach other hosts (a transfer, a backup to or a restore from
// another system): they run without the state locks, which they take
// themselves for their local steps, so that a call to another simulator (or
// to this one) never waits on a lock held here.
var netPrograms = map[string]bool{"transfer-domain": true, "backup-domain": true, "restore-domain": true}

// execute runs one program call after remote.cgi's checks (or for a Webmin
// RPC): the injected fault, the latency, the locks, the program. forced is
// a fault the caller brings along (a transfer's step fault forwarded to the
// target); otherwise the next queued one for the program applies. A fault
// that replaces the answer is returned with it.
func (s *Server) execute(cc *callCtx, program string, argv []string, forced *Fault) (result, *Fault) {
	s.mu.Lock()
	s.calls[program]++
	n := s.calls[program]
	fault := forced
	var outage *Fault
	rest := s.faults[program][:0]
	for _, pf := range s.faults[program] {
		if pf.at == n && fault == nil {
			f := pf.fault
			fault = &f
			continue
		}
		if pf.at >= n {
			rest = append(rest, pf)
		}
	}
	s.faults[program] = rest
	s.mu.Unlock()

	switch {
	case fault == nil:
	case fault.Kind == FaultHTTP500, fault.Kind == FaultReset, fault.Kind == FaultHang:
		return result{}, fault
	case fault.Kind == FaultOutage:
		// The program runs on; its answer goes nowhere. A write takes Webmin
		// down once it holds the lock, so that any later write waits for it.
		outage = fault
		fault = nil
		if !writePrograms[program] || netPrograms[program] {
			s.Outage(outage.ResetFor, outage.RefuseFor)
			outage = nil
		}
	}
	stepped := fault != nil && fault.Kind == FaultFailure && fault.Step != ""
	if netPrograms[program] && (fault == nil || stepped || fault.Kind == FaultCompleteThenHang) {
		if stepped {
			cc.step = fault
		}
		res := s.runNet(cc, program, argv)
		if fault != nil && fault.Kind == FaultCompleteThenHang {
			return res, fault
		}
		return res, nil
	}

	write := writePrograms[program]
	if write {
		s.writeMu.Lock()
		if outage != nil {
			s.Outage(outage.ResetFor, outage.RefuseFor)
		}
	}
	// The latency runs to its end even when the caller went away: the real
	// program does not notice either.
	s.pause(context.Background(), s.latencyFor(program, argv))
	var res result
	if fault != nil && fault.Kind == FaultFailure {
		msg := fault.Message
		if msg == "" {
			msg = "Injected failure"
		}
		res = result{out: msg + "\n", exit: 1}
	} else {
		s.mu.Lock()
		res = s.run(cc, program, argv)
		if write {
			if err := s.saveLocked(); err != nil {
				res.out += "Failed to save state : " + err.Error() + "\n"
			}
		}
		s.mu.Unlock()
	}
	if write {
		s.writeMu.Unlock()
	}
	if fault != nil && fault.Kind == FaultCompleteThenHang {
		return res, fault
	}
	return res, nil
}

// runNet parses argv and runs a program of netPrograms, without locks.
func (s *Server) runNet(cc *callCtx, name string, argv []string) result {
	a, errMsg := parseArgs(name, argv, s.flagSpec(name))
	if errMsg != "" {
		return s.usage(name, errMsg)
	}
	return programs[name](s, cc, a)
}

// pause waits d (a program's latency), or less when the server closes or
// ctx ends.
func (s *Server) pause(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.closed:
	case <-ctx.Done():
	}
}
