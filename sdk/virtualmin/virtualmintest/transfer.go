package virtualmintest

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// transfer-domain copies (or moves) a virtual server, its sub-servers and
// alias domains to another Virtualmin system, as 8.1.0 does (moves 05-42):
//
//  1. checks: a disabled server is refused; the target is contacted (over
//     Webmin RPC with the target's login with --webmin, else over SSH);
//     without --overwrite none of the servers may exist there; a
//     sub-server's parent must;
//  2. the servers are backed up into /tmp/virtualmin-transfer-<pid> on the
//     target, one archive each;
//  3. a dry run of the restore on the target ("Validating backup");
//  4. with --delete the source is deleted, with --disable disabled, BEFORE
//     the restore;
//  5. the restore on the target; the temporary directory is removed.
//
// The answer is "success" whenever the checks passed, even when the backup
// or the restore failed: only a read of the target tells whether the
// account arrived (and with --delete, a failed restore has lost it).
func (s *Server) transferDomain(cc *callCtx, a *args) result {
	const p = "transfer-domain"
	ctx := cc.context()
	if !a.has("domain") {
		return s.usage(p, "No domain to move specified") // stock 31
	}
	name := strings.ToLower(a.str("domain"))
	if !a.has("host") || a.str("host") == "" {
		return s.usage(p, "No destination hostname specified")
	}
	if a.has("disable") && a.has("delete") {
		return s.usage(p, "Only one of --disable or --delete can be given")
	}
	host, user, pass := a.str("host"), a.str("user"), a.str("pass")
	if user == "" {
		user = "root"
	}

	s.mu.Lock()
	d := s.lookup(cc, name)
	if d == nil {
		s.mu.Unlock()
		return s.usage(p, "Virtual server "+name+" does not exist.")
	}
	if d.Disabled {
		s.mu.Unlock()
		return s.usage(p, "Disabled virtual servers cannot be transferred") // moves 12
	}
	tree := s.tree(d)
	var names []string
	for _, x := range tree {
		names = append(names, x.Name)
	}
	parent := ""
	if !d.isTop() {
		parent = s.st.top(d).Name
	}
	s.mu.Unlock()

	s.pause(ctx, s.stepLatency(p, "validate"))
	contact := "Failed to contact Virtualmin on destination system : "
	if msg, fail := cc.failAt(StepValidate); fail {
		return s.usage(p, contact+msg+"\n")
	}
	if !a.has("webmin") {
		// SSH, the default (moves 25).
		name, port := splitHostDefault(host, 22)
		if _, err := sshRun(ctx, location{proto: "ssh", host: name, port: port, user: user, pass: pass}, "virtualmin list-domains --name-only", nil); err != nil {
			return s.usage(p, contact+err.Error()+"\r\r\n")
		}
		return fail("transfer-domain over SSH is not simulated by virtualmintest beyond contacting the target: use --webmin\n")
	}
	if !a.has("pass") {
		// Without --pass the target is asked as root with no password,
		// and refuses (stock 32).
		return s.usage(p, contact+"Webmin failed : .. login to RPC server as root rejected\n")
	}
	rc := newRPCClient(host, user, pass)
	listing, err := rc.api(ctx, nil, "list-domains", "--name-only")
	if err != nil {
		return s.usage(p, contact+"Webmin failed : "+err.Error()+"\n")
	}
	there := map[string]bool{}
	for _, l := range strings.Split(listing.out, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			there[l] = true
		}
	}
	if !a.has("overwrite") {
		for _, n := range names {
			if there[n] {
				return s.usage(p, "Virtual server "+n+" is already hosted on the destination system") // moves 09
			}
		}
	}
	if parent != "" && !there[parent] {
		return s.usage(p, "Top-level virtual server "+parent+" does not exist on the destination system") // moves 35
	}

	var out strings.Builder
	if len(tree) > 1 {
		out.WriteString("Transferring " + name + " and " + strconv.Itoa(len(tree)-1) + " sub-servers to " + host + " ..\n")
	} else {
		out.WriteString("Transferring " + name + " to " + host + " ..\n")
	}
	out.WriteString("    Backing up to destination system ..\n")
	verbose := a.has("output")
	failed := func() result {
		// The answer stays "success" (moves 36).
		out.WriteString("        .. backup to remote system failed!\n\n    .. transfer failed\n\n")
		return ok(out.String())
	}

	tmp := transferDir(10000 + rand.IntN(90000))
	if _, err := rc.op(ctx, "mkdir", tmp, nil); err != nil {
		out.WriteString("        .. " + err.Error() + "\n\n")
		return failed()
	}
	s.mu.Lock()
	sn, err := s.takeSnapshot([]*domain{d}, true)
	s.mu.Unlock()
	if err != nil {
		return failed()
	}
	s.pause(ctx, s.stepLatency(p, "backup"))
	dest := "Webmin server " + rc.name
	var bt strings.Builder
	bt.WriteString("    Testing backup destination " + tmp + " on " + dest + " ..\n    .. done\n\n")
	text, why := s.backupText(cc, sn, "    ", true, dest, func(x *domain) error {
		arch, err := s.archive([]*domain{x})
		if err == nil {
			_, err = rc.op(ctx, "write", tmp+"/"+x.Name+".tar.gz", arch)
		}
		return err
	})
	bt.WriteString(text)
	if why != "" {
		if verbose {
			out.WriteString(bt.String())
		} else {
			out.WriteString(quietBackupFailure(sn, text))
		}
		return failed()
	}
	if verbose {
		out.WriteString(bt.String())
		out.WriteString("    .. completed in 0 seconds\n\n    " + strconv.Itoa(len(sn.all)) + " virtual servers backed up successfully\n")
	}
	out.WriteString("    .. backup done\n\n")

	restoreArgs := []string{"--source", tmp, "--all-domains", "--all-features", "--skip-warnings", "--continue-on-error"}
	if a.has("delete-missing-files") {
		restoreArgs = append(restoreArgs, "--option", "dir delete 1")
	}
	out.WriteString("    Validating backup ..\n")
	test, err := rc.api(ctx, nil, "restore-domain", append(restoreArgs, "--test")...)
	if err == nil && test.exit != 0 {
		err = &rpcError{firstLine(test.out)}
	}
	if err != nil {
		out.WriteString("    .. validation failed : " + err.Error() + "\n\n.. transfer failed\n\n")
		return ok(out.String())
	}
	out.WriteString("    .. all domains transferred successfully\n\n")

	var pa postActions
	switch {
	case a.has("delete"):
		out.WriteString("    Deleting " + name + " from this system ..\n")
		if msg, fail := cc.failAt(StepDelete); fail {
			out.WriteString("    .. failed : " + msg + "\n\n.. transfer failed\n\n")
			return ok(out.String())
		}
		_ = s.change(func() error {
			for i := len(tree) - 1; i >= 0; i-- {
				s.removeDomain(tree[i])
			}
			return nil
		})
		out.WriteString("    .. done\n\n")
	case a.has("disable"):
		out.WriteString("    Disabling " + name + " on this system ..\n")
		if msg, fail := cc.failAt(StepDelete); fail {
			out.WriteString("    .. failed : " + msg + "\n\n.. transfer failed\n\n")
			return ok(out.String())
		}
		var steps string
		_ = s.change(func() error {
			steps = s.disableSteps(d, "    ", &pa)
			d.Disabled, d.DisabledWhy, d.DisabledAt, d.DisabledText = true, "", s.now(), "Transferred to another system"
			return nil
		})
		if verbose {
			out.WriteString(steps)
		}
		out.WriteString("    .. done\n\n")
	}

	out.WriteString("    Restoring backup on destination system ..\n")
	var fwd *Fault
	if cc.step != nil && (cc.step.Step == StepRestore || cc.step.Step == StepHalfRestored) {
		fwd = cc.step
	}
	res, err := rc.api(ctx, fwd, "restore-domain", restoreArgs...)
	if verbose {
		if err != nil {
			out.WriteString(".. " + err.Error() + "\n")
		} else {
			// Printed as it comes: only its first line gets the indent.
			out.WriteString("    " + res.out)
		}
		out.WriteString("\n")
	}
	out.WriteString("    .. restore complete\n\n")
	_, _ = rc.op(context.WithoutCancel(ctx), "remove", tmp, nil)
	out.WriteString(".. done\n\n")
	out.WriteString(pa.String())
	return ok(out.String())
}

// quietBackupFailure is what transfer-domain without --output shows of a
// failed backup: the failing step, further indented (moves 36), with the
// MariaDB client's complaints first.
func quietBackupFailure(sn *snapshot, text string) string {
	var b strings.Builder
	if sn.mysqlDown {
		for _, d := range sn.all {
			if d.has("mysql") {
				b.WriteString("/usr/bin/mysqlshow: " + mysqlSocketError + "\n")
			}
		}
	}
	// The last step printed is the one that failed.
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	start := len(lines) - 1
	for start > 0 && strings.TrimSpace(lines[start]) != "" {
		start--
	}
	for start > 0 && strings.TrimSpace(lines[start-1]) != "" && !strings.HasSuffix(lines[start-1], "done") {
		start--
	}
	for _, l := range lines[start:] {
		if strings.TrimSpace(l) == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString("        " + l + "\n")
	}
	b.WriteString("\n")
	return b.String()
}

// stepLatency is how long a step of transfer-domain takes on the source
// (the target's restore takes the target's restore-domain latency): the
// realistic time, scaled; a latency set with WithLatency for the program is
// spent at its first step.
func (s *Server) stepLatency(program, step string) time.Duration {
	if d, ok := s.cfg.latency[program]; ok {
		if step == "validate" {
			return d
		}
		return 0
	}
	if s.cfg.latencyScale <= 0 {
		return 0
	}
	var d time.Duration
	switch step {
	case "validate":
		d = jitter(0.7, 4.7) // the refusals took 0.7-4.7 s
	case "backup":
		d = jitter(7, 15)
	}
	return time.Duration(float64(d) * s.cfg.latencyScale)
}
