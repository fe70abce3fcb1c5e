package provider

// Moving a hosting account to another server when its `server` changes: an
// in-place update, never a replacement.
//
// A move copies the account with the sub-servers and alias domains under it
// and everything they hold (files, mail, databases), verifies the copy on the
// target by reading it back, and only then deletes the source. Any failure
// before the delete leaves the source as it was, serving, and the state
// unchanged (the account is still on the source); the next apply starts
// again, and a copy an earlier attempt left on the target (recognised by the
// account's Virtualmin ID, which a restore keeps) is replaced, never
// duplicated. docs/virtualmin-api.md ("Moves") has what Virtualmin does.
//
// Two ways to copy (virtualmin.move_method):
//   - moveViaStore (the default): backup-domain on the source to the backup
//     store, restore-domain on the target from it. Nothing is granted beyond
//     the API logins the provider already has, and the servers need no
//     trust between them.
//   - moveViaRootRPC: transfer-domain --webmin on the source, straight to
//     the target, which needs the target's login to be allowed Webmin RPC:
//     root-equivalent on the target. Never with --delete (it deletes the
//     source before a restore that may fail), and never trusting its
//     "success" (it reports success for failed transfers).
//
// When the source does not answer at plan time the account cannot be copied
// from it: it is rebuilt on the target from its off-host backup
// (rebuild_from), or created empty there when allow_empty_rebuild says so.
// Nothing is sent to the dead server. Which of the three a plan chose is in
// the planned value of rebuilt_from ("" for a copy), so that the apply (whose
// plan Terraform makes again in a new process) cannot do another: if the
// source comes back, or goes away, between plan and apply, the two plans
// differ and Terraform stops before anything is done.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// rebuiltEmpty is rebuilt_from for an account recreated without a backup.
const rebuiltEmpty = "empty"

// probeTimeout bounds the plan-time look at a move's source: a dead server
// must not hold a plan for the request timeout and its retries.
const probeTimeout = 15 * time.Second

// privateUnreachable is the private-state key Read sets when the account's
// server did not answer, so that the plan can tell the user (a plan that
// keeps the account there fails; one that moves it rebuilds it).
const privateUnreachable = "praho_unreachable"

// unreachable reports whether err means that the server did not answer (as
// opposed to answering no).
func unreachable(err error) bool {
	return errors.Is(err, virtualmin.ErrTransient) || errors.Is(err, context.DeadlineExceeded)
}

// keepWhenUnreachable is what a Read does when its server did not answer:
// it keeps the state as it was and says so, instead of failing the plan, so
// that a plan that moves the object off a dead server can be made. It
// reports whether it handled err.
func keepWhenUnreachable(_ context.Context, resp *resource.ReadResponse, endpoint, object string, err error) bool {
	if !unreachable(err) {
		return false
	}
	resp.Diagnostics.AddWarning("Server did not answer: state kept",
		fmt.Sprintf("Server: %s\n%s\nThe server did not answer (%s), so this object was not refreshed and is kept as it "+
			"was. A plan that keeps its account on this server fails; a plan that moves the account to another server "+
			"rebuilds it there from its off-host backup (see praho_hosting_account's rebuild_from).", endpoint, object, firstLine(err.Error())))
	return true
}

// markUnreachable records in the account's private state that its server
// did not answer at refresh (planServerChange reads it).
func markUnreachable(ctx context.Context, resp *resource.ReadResponse, endpoint string, err error) {
	flag, _ := json.Marshal(map[string]string{"server": endpoint, "reason": firstLine(err.Error())})
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateUnreachable, flag)...)
}

// unreachableAtRefresh is the reason Read recorded when the server did not
// answer, or "".
func unreachableAtRefresh(ctx context.Context, get privateGetter) string {
	raw, diags := get.GetKey(ctx, privateUnreachable)
	if diags.HasError() || len(raw) == 0 {
		return ""
	}
	var flag map[string]string
	if json.Unmarshal(raw, &flag) != nil {
		return "no answer"
	}
	return flag["reason"]
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}

// accountTree is an account's domain and the sub-servers and alias domains
// under it, from one server's listing.
func accountTree(all map[string]virtualmin.Domain, top string) []virtualmin.Domain {
	in := map[string]bool{top: true}
	var out []virtualmin.Domain
	if d, ok := all[top]; ok {
		out = append(out, d)
	}
	// Sub-servers of sub-servers and aliases of sub-servers: until nothing
	// is added.
	for added := true; added; {
		added = false
		for name, d := range all {
			if in[name] {
				continue
			}
			if in[strings.ToLower(d.ParentDomain)] || in[strings.ToLower(d.AliasOf)] {
				in[name] = true
				out = append(out, d)
				added = true
			}
		}
	}
	return out
}

// moveSummary describes what a move copies and how long it may take.
func moveSummary(tree []virtualmin.Domain) (what, duration string) {
	var subs, aliases int
	var bytes int64
	db := false
	for i, d := range tree {
		switch {
		case i == 0:
		case d.AliasOf != "":
			aliases++
		default:
			subs++
		}
		if d.ServerBytesUsed != nil && i == 0 {
			bytes = *d.ServerBytesUsed
		}
		db = db || d.HasFeature("mysql") || d.HasFeature("postgres")
	}
	var under []string
	if subs > 0 {
		under = append(under, fmt.Sprintf("%d sub-server(s)", subs))
	}
	if aliases > 0 {
		under = append(under, fmt.Sprintf("%d alias domain(s)", aliases))
	}
	what = "the account"
	if len(under) > 0 {
		what += " and its " + strings.Join(under, " and ")
	}
	what += ", with the files"
	if bytes > 0 {
		what += fmt.Sprintf(" (%d MiB)", (bytes+bytesPerMB-1)/bytesPerMB)
	}
	what += ", mail"
	if db {
		what += " and databases"
	}
	// Recorded on real servers: a copy of a small account took 15-20 s
	// without databases and 50-90 s with them; archives move at about 20 MiB
	// per second on a LAN.
	secs := int64(20)
	if db {
		secs = 90
	}
	secs += int64(len(tree)-1)*15 + bytes/(20*bytesPerMB)
	switch {
	case secs < 120:
		duration = fmt.Sprintf("%d s", secs)
	default:
		duration = fmt.Sprintf("%d min", (secs+59)/60)
	}
	return what, duration
}

// planMove is ModifyPlan's part for an account whose server changes: it
// decides between a copy and a rebuild, checks what can be checked before
// anything is done, says in a warning what the apply will do, and marks the
// values that change with the server as unknown.
func (r *hostingAccountResource) planMove(ctx context.Context, plan, state, config *hostingAccountModel, diags *diag.Diagnostics) {
	port := r.data.cfg.Virtualmin.Port
	from, err1 := normalizeEndpoint(state.Server.ValueString(), port)
	to, err2 := normalizeEndpoint(plan.Server.ValueString(), port)
	ascii, err3 := virtualmin.ValidateDomainName(plan.Domain.ValueString())
	if err1 != nil || err2 != nil || err3 != nil {
		return // reported by the validators
	}
	plan.ID = types.StringValue(serverDomainID(to, ascii))
	plan.IPAddress = types.StringUnknown()
	plan.HomeDirectory = types.StringUnknown()
	plan.EnabledFeatures = types.SetUnknown(types.StringType)
	plan.DiskUsedMB = types.Int64Unknown()
	// What the new server decides when the configuration does not: its
	// plans, templates and PHP versions are its own.
	if config.Plan.IsNull() {
		plan.Plan = types.StringUnknown()
	}
	if config.Template.IsNull() {
		plan.Template = types.StringUnknown()
	}
	if config.PHPVersion.IsNull() {
		plan.PHPVersion = types.StringUnknown()
	}

	src, err := r.data.virtualminServer(from)
	if err != nil {
		diags.AddAttributeError(path.Root("server"), "Cannot move the account", fmt.Sprintf("Source: %s\n%s", from, err))
		return
	}
	dst, err := r.data.virtualminServer(to)
	if err != nil {
		diags.AddAttributeError(path.Root("server"), "Cannot move the account", fmt.Sprintf("Target: %s\n%s", to, err))
		return
	}
	probe, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	srcAll, srcErr := src.domains.Get(probe)
	if srcErr != nil && !unreachable(srcErr) {
		vmError(diags, src, "Cannot read the account on its current server before moving it", domainObject(ascii), srcErr, "")
		return
	}
	dstAll, err := dst.domains.Get(ctx)
	if err != nil {
		vmError(diags, dst, "Cannot read the server the account moves to", domainObject(ascii), err, "")
		return
	}
	if !r.checkTarget(dstAll, srcAll, ascii, to, state, diags) {
		return
	}
	if srcErr != nil {
		r.planRebuild(ctx, plan, config, from, to, ascii, srcErr, diags)
		return
	}
	plan.RebuiltFrom = types.StringValue("")
	tree := accountTree(srcAll, ascii)
	if len(tree) == 0 {
		if d, ok := dstAll[ascii]; ok && d.ID == state.VirtualminID.ValueString() {
			diags.AddAttributeWarning(path.Root("server"), "Completing an earlier move",
				fmt.Sprintf("Domain: %s\n%s no longer has the account and %s has its copy (Virtualmin ID %s): an earlier move "+
					"copied and verified it, deleted the source and stopped before recording it. The apply checks the copy "+
					"and records the account on %s.", ascii, from, to, d.ID, to))
			return
		}
		diags.AddAttributeError(path.Root("server"), "The account is on neither server",
			fmt.Sprintf("Domain: %s\nNeither %s (where the state has it) nor %s has the account. Refresh (plan without "+
				"-refresh=false) to see it gone, or restore it from a backup.", ascii, from, to))
		return
	}
	if r.data.cfg.Virtualmin.MoveMethod == moveViaRootRPC && tree[0].Disabled {
		diags.AddAttributeError(path.Root("suspended"), "A suspended account cannot be transferred",
			fmt.Sprintf("Domain: %s\nVirtualmin's transfer-domain refuses disabled accounts (virtualmin.move_method = %q). "+
				"Set suspended = false for the move, or move with the default move_method = %q, which keeps the account "+
				"suspended on the target.", ascii, moveViaRootRPC, moveViaStore))
		return
	}
	how := fmt.Sprintf("transfer-domain --webmin from %s to %s (the target's login needs Webmin RPC)", from, to)
	if r.data.cfg.Virtualmin.MoveMethod != moveViaRootRPC {
		store := r.data.cfg.Virtualmin.Store
		if store == nil {
			diags.AddAttributeError(path.Root("server"), "No backup store to move the account through",
				fmt.Sprintf("Domain: %s\nMoving the account from %s to %s copies it through the backup store: a backup on "+
					"the source, a restore on the target. Set virtualmin.backup_store in the provider block (environment: "+
					"PRAHO_BACKUP_STORE_URL and PRAHO_BACKUP_STORE_PASSWORD), or move_method = %q if the API logins may use "+
					"Webmin RPC (root-equivalent).", ascii, from, to, moveViaRootRPC))
			return
		}
		how = fmt.Sprintf("a backup on %s to %s, a restore on %s", from, store.url(store.movePath(ascii, tree[0].ID)), to)
	}
	what, duration := moveSummary(tree)
	diags.AddAttributeWarning(path.Root("server"), "Account moves to another server",
		fmt.Sprintf("Domain: %s\nFrom: %s\nTo: %s\nCopies %s, by %s; reads it back on %s (the account, its features, "+
			"mailboxes, databases, sub-servers and aliases) and compares it with %s; only then deletes it on %s. "+
			"Roughly %s. Until the copy is verified the account stays on %s, serving; a failure leaves it there and "+
			"the next apply tries again. ip_address changes with the move.", ascii, from, to, what, how, to, from, from, duration, from))
}

// checkTarget refuses a move onto a server that has the account, or one of
// its sub-servers or aliases, unless it is this account's own copy (same
// Virtualmin ID), left by an earlier attempt.
func (r *hostingAccountResource) checkTarget(dstAll, srcAll map[string]virtualmin.Domain, ascii, to string, state *hostingAccountModel, diags *diag.Diagnostics) bool {
	names := []string{ascii}
	if srcAll != nil {
		names = names[:0]
		for _, d := range accountTree(srcAll, ascii) {
			names = append(names, strings.ToLower(d.Name))
		}
		if len(names) == 0 {
			names = []string{ascii}
		}
	}
	for _, n := range names {
		d, ok := dstAll[n]
		if !ok {
			continue
		}
		ours := n == ascii && d.ID != "" && d.ID == state.VirtualminID.ValueString()
		if src, inSrc := srcAll[n]; n != ascii && inSrc && d.ID != "" && d.ID == src.ID {
			ours = true
		}
		if ours {
			continue
		}
		diags.AddAttributeError(path.Root("server"), "The target already hosts this domain",
			fmt.Sprintf("Domain: %s\n%s already has %s (Virtualmin ID %s), which is not a copy of this account. The move is "+
				"refused before anything is done: a restore would overwrite it. Remove it from %s, or move the account "+
				"elsewhere.", ascii, to, n, d.ID, to))
		return false
	}
	return true
}

// planRebuild plans the rebuild of an account whose server does not answer.
func (r *hostingAccountResource) planRebuild(ctx context.Context, plan, config *hostingAccountModel, from, to, ascii string, srcErr error, diags *diag.Diagnostics) {
	why := firstLine(srcErr.Error())
	if archive := config.RebuildFrom.ValueString(); archive != "" {
		store := r.data.cfg.Virtualmin.Store
		p, ok := store.within(archive)
		if !ok {
			diags.AddAttributeError(path.Root("rebuild_from"), "Backup outside the backup store",
				fmt.Sprintf("Domain: %s\n%s does not answer (%s), so the account is to be rebuilt on %s from %s. The provider "+
					"restores and checks archives in the backup store only (virtualmin.backup_store, whose login the servers "+
					"use): set rebuild_from to the archive's ssh:// URL there, without a password.", ascii, from, why, to, archive))
			return
		}
		info, err := store.stat(ctx, p)
		if err != nil {
			diags.AddAttributeError(path.Root("rebuild_from"), "Cannot check the backup to rebuild from",
				fmt.Sprintf("Domain: %s\nBackup: %s\n%s does not answer (%s), so the account is to be rebuilt on %s from its "+
					"backup, but the backup store says: %s. Nothing was done.", ascii, archive, from, why, to, err))
			return
		}
		plan.RebuiltFrom = types.StringValue(archive)
		if info.ID != plan.VirtualminID.ValueString() {
			// A backup of an older incarnation of the account.
			plan.VirtualminID = types.StringUnknown()
		}
		age := time.Since(info.Modified).Round(time.Minute)
		diags.AddAttributeWarning(path.Root("server"), "Account rebuilt from its backup",
			fmt.Sprintf("Domain: %s\nFrom: %s (does not answer: %s)\nTo: %s\nBackup: %s, taken %s (%s ago, %d KiB)\n"+
				"The account is restored on %s from this backup and read back there. Anything it received after the backup "+
				"is lost. Nothing is attempted on %s; if it comes back, it still holds its old copy of the account, which "+
				"this configuration no longer manages (the orphans check of the guide \"Running a fleet\" finds it).",
				ascii, from, why, to, archive, info.Modified.Format(time.RFC3339), age, (info.Size+1023)/1024, to, from))
		return
	}
	if config.AllowEmptyRebuild.ValueBool() {
		plan.RebuiltFrom = types.StringValue(rebuiltEmpty)
		// A new account: a new ID, and Virtualmin's choices where the
		// configuration is silent.
		plan.VirtualminID = types.StringUnknown()
		if config.Username.IsNull() {
			plan.Username = types.StringUnknown()
		}
		if config.Description.IsNull() {
			plan.Description = types.StringUnknown()
		}
		diags.AddAttributeWarning(path.Root("server"), "Account comes back empty",
			fmt.Sprintf("Domain: %s\nFrom: %s (does not answer: %s)\nTo: %s\nThe account is created on %s as new: EMPTY, "+
				"without its files, mail or databases (allow_empty_rebuild = true). Nothing is attempted on %s.", ascii, from, why, to, to, from))
		return
	}
	diags.AddAttributeError(path.Root("server"), "The account's server does not answer",
		fmt.Sprintf("Domain: %s\nFrom: %s (does not answer: %s)\nTo: %s\nThe account cannot be copied from a server that "+
			"does not answer. Name its off-host backup in rebuild_from (an archive that praho_account_backup wrote to the "+
			"backup store) to rebuild it from there, or set allow_empty_rebuild = true to create it on %s EMPTY, without "+
			"its files, mail and databases.", ascii, from, why, to, to))
}

// moveStopped reports a move that stopped, saying where and what state both
// servers are in.
func moveStopped(diags *diag.Diagnostics, step, from, to, ascii string, err error, after string) {
	reason := err.Error()
	var e *virtualmin.Error
	if errors.As(err, &e) {
		if e.Reason != "" {
			reason = e.Program + ": " + e.Reason
		}
		if r, hint, ok := virtualminSettingsError(e.Server, err); ok {
			reason = r + ". " + hint
		}
	}
	diags.AddAttributeError(path.Root("server"), "Move stopped at the "+step,
		fmt.Sprintf("Domain: %s\nFrom: %s\nTo: %s\nStep: %s\nReason: %s\n\n%s", ascii, from, to, step, reason, after))
}

// sourceIntact is what a failure before the delete leaves.
func sourceIntact(from, to string) string {
	return fmt.Sprintf("The account is still on %s, as it was, and serving; the state still has it there. Fix the cause and "+
		"apply again: the move starts again, and replaces whatever copy this attempt left on %s.", from, to)
}

// move runs a planned move (Update's first step when the server changes)
// and returns the account as the target holds it.
func (r *hostingAccountResource) move(ctx context.Context, plan, state, config *hostingAccountModel, diags *diag.Diagnostics) *virtualmin.Domain {
	port := r.data.cfg.Virtualmin.Port
	from, _ := normalizeEndpoint(state.Server.ValueString(), port)
	to, _ := normalizeEndpoint(plan.Server.ValueString(), port)
	ascii, _ := virtualmin.ValidateDomainName(plan.Domain.ValueString())
	dst, err := r.data.virtualminServer(to)
	if err != nil {
		diags.AddAttributeError(path.Root("server"), "Cannot move the account", fmt.Sprintf("Target: %s\n%s", to, err))
		return nil
	}
	switch mode := plan.RebuiltFrom.ValueString(); mode {
	case "":
		return r.copyAccount(ctx, from, to, ascii, dst, state, diags)
	case rebuiltEmpty:
		return r.recreate(ctx, to, ascii, dst, plan, config, diags)
	default:
		return r.rebuild(ctx, from, to, ascii, dst, mode, state, diags)
	}
}

// copyAccount copies the account from its source, verifies the copy and
// deletes the source.
func (r *hostingAccountResource) copyAccount(ctx context.Context, from, to, ascii string, dst *vmServer, state *hostingAccountModel, diags *diag.Diagnostics) *virtualmin.Domain {
	src, err := r.data.virtualminServer(from)
	if err != nil {
		diags.AddAttributeError(path.Root("server"), "Cannot move the account", fmt.Sprintf("Source: %s\n%s", from, err))
		return nil
	}
	id := state.VirtualminID.ValueString()

	// What each side holds now: an earlier attempt may have left a copy
	// on the target, or finished everything but the state.
	have, err := src.client.Moves.ReadAccount(ctx, ascii)
	if err != nil && !errors.Is(err, virtualmin.ErrNotFound) {
		moveStopped(diags, "reading of the source", from, to, ascii, err, sourceIntact(from, to))
		return nil
	}
	copyThere, err := dst.client.Domains.Get(ctx, ascii)
	if err != nil && !errors.Is(err, virtualmin.ErrNotFound) {
		moveStopped(diags, "reading of the target", from, to, ascii, err, sourceIntact(from, to))
		return nil
	}
	if have == nil {
		if copyThere != nil && copyThere.ID == id {
			return copyThere // moved and verified before; only the state was left
		}
		diags.AddAttributeError(path.Root("server"), "The account is on neither server",
			fmt.Sprintf("Domain: %s\nNeither %s nor %s has the account (Virtualmin ID %s). Nothing was done.", ascii, from, to, id))
		return nil
	}
	if copyThere != nil {
		if copyThere.ID != have.Domains[0].ID {
			diags.AddAttributeError(path.Root("server"), "The target already hosts this domain",
				fmt.Sprintf("Domain: %s\n%s has %s with Virtualmin ID %s, not a copy of the account (ID %s). Nothing was done.",
					ascii, to, ascii, copyThere.ID, have.Domains[0].ID))
			return nil
		}
		// A copy left by an attempt that did not finish: the source may
		// have changed since, so it is replaced by a fresh one.
		err := dst.client.Domains.Delete(ctx, ascii)
		dst.domains.Invalidate()
		if err != nil && !errors.Is(err, virtualmin.ErrNotFound) {
			moveStopped(diags, "removal of the copy an earlier attempt left on the target", from, to, ascii, err, sourceIntact(from, to))
			return nil
		}
	}

	// Copy.
	if r.data.cfg.Virtualmin.MoveMethod == moveViaRootRPC {
		a := r.data.access(to)
		_, err = src.client.Moves.Transfer(ctx, &virtualmin.TransferRequest{
			Domain: ascii, Host: to, Protocol: virtualmin.TransferWebmin, User: a.user, Pass: a.password,
			Source: virtualmin.KeepSource,
		})
		if err != nil {
			r.dropPartialCopy(ctx, dst, ascii, have.Domains[0].ID)
			moveStopped(diags, "transfer", from, to, ascii, err, sourceIntact(from, to))
			return nil
		}
	} else {
		store := r.data.cfg.Virtualmin.Store
		if store == nil {
			diags.AddAttributeError(path.Root("server"), "No backup store to move the account through",
				"Set virtualmin.backup_store in the provider block (see the plan's error).")
			return nil
		}
		loc := store.location(store.movePath(ascii, have.Domains[0].ID))
		url, err := loc.URL()
		if err != nil {
			diags.AddAttributeError(path.Root("server"), "Invalid backup store location", err.Error())
			return nil
		}
		if _, err := src.client.Backups.Backup(ctx, ascii, url, &virtualmin.BackupOptions{Account: true}); err != nil {
			moveStopped(diags, "backup on the source", from, to, ascii, err, sourceIntact(from, to))
			return nil
		}
		if _, err := dst.client.Backups.Restore(ctx, url, ascii, &virtualmin.BackupOptions{Account: true}); err != nil {
			r.dropPartialCopy(ctx, dst, ascii, have.Domains[0].ID)
			moveStopped(diags, "restore on the target", from, to, ascii, err, sourceIntact(from, to))
			return nil
		}
	}

	// Verify: Virtualmin's own answers are no proof.
	got, err := dst.client.Moves.ReadAccount(ctx, ascii)
	if err != nil {
		r.dropPartialCopy(ctx, dst, ascii, have.Domains[0].ID)
		moveStopped(diags, "verification on the target", from, to, ascii, err, sourceIntact(from, to))
		return nil
	}
	if diff := have.Diff(got); len(diff) > 0 {
		r.dropPartialCopy(ctx, dst, ascii, have.Domains[0].ID)
		moveStopped(diags, "verification on the target", from, to, ascii,
			errors.New("the copy differs from the source: "+strings.Join(diff, "; ")), sourceIntact(from, to))
		return nil
	}

	// Only now: the source goes.
	err = src.client.Domains.Delete(ctx, ascii)
	// Both listings learn what moved, instead of each being loaded again
	// (a drain moves many accounts, each planned again during the apply).
	foldMove(dst, got.Domains, nil)
	if err == nil || errors.Is(err, virtualmin.ErrNotFound) {
		foldMove(src, nil, have.Domains)
	} else {
		src.domains.Invalidate()
	}
	if err != nil && !errors.Is(err, virtualmin.ErrNotFound) {
		moveStopped(diags, "delete on the source", from, to, ascii, err, fmt.Sprintf("The copy on %s was verified, but the "+
			"account is still on %s too, serving; the state still has it on %s. Apply again: the move copies it again "+
			"(the source may have changed since) and then deletes it on %s.", to, from, from, from))
		return nil
	}
	dom := got.Domains[0]
	return &dom
}

// foldMove updates a server's listing with the domains that arrived on it
// and those that left it.
func foldMove(srv *vmServer, arrived, left []virtualmin.Domain) {
	srv.domains.Update(func(all map[string]virtualmin.Domain) (map[string]virtualmin.Domain, bool) {
		next := make(map[string]virtualmin.Domain, len(all)+len(arrived))
		for k, v := range all {
			next[k] = v
		}
		for _, d := range left {
			delete(next, strings.ToLower(d.Name))
		}
		for _, d := range arrived {
			next[strings.ToLower(d.Name)] = d
		}
		return next, true
	})
}

// dropPartialCopy removes what a failed copy left on the target, when it is
// this account's (its ID): the source is intact, so nothing is lost. A
// failure here is left for the next attempt, which replaces the copy.
func (r *hostingAccountResource) dropPartialCopy(ctx context.Context, dst *vmServer, ascii, id string) {
	defer dst.domains.Invalidate()
	d, err := dst.client.Domains.Get(ctx, ascii)
	if err != nil || d.ID != id {
		return
	}
	_ = dst.client.Domains.Delete(ctx, ascii)
}

// rebuild restores the account on the target from its off-host backup.
func (r *hostingAccountResource) rebuild(ctx context.Context, from, to, ascii string, dst *vmServer, archive string, state *hostingAccountModel, diags *diag.Diagnostics) *virtualmin.Domain {
	defer dst.domains.Invalidate()
	if d, err := dst.client.Domains.Get(ctx, ascii); err == nil && d.ID == state.VirtualminID.ValueString() {
		return d // restored by an earlier attempt
	}
	store := r.data.cfg.Virtualmin.Store
	p, ok := store.within(archive)
	if !ok {
		diags.AddAttributeError(path.Root("rebuild_from"), "Backup outside the backup store", "rebuild_from must name an archive in virtualmin.backup_store.")
		return nil
	}
	url, err := store.location(p).URL()
	if err != nil {
		diags.AddAttributeError(path.Root("rebuild_from"), "Invalid backup location", err.Error())
		return nil
	}
	after := fmt.Sprintf("Nothing was attempted on %s. Whatever the restore left on %s is kept for you to look at; apply "+
		"again to retry (a copy with the account's Virtualmin ID is taken as the result).", from, to)
	if _, err := dst.client.Backups.Restore(ctx, url, ascii, &virtualmin.BackupOptions{Account: true}); err != nil {
		moveStopped(diags, "restore from the backup", from, to, ascii, err, after)
		return nil
	}
	d, err := dst.client.Domains.Get(ctx, ascii)
	if err != nil {
		moveStopped(diags, "verification on the target", from, to, ascii, err, after)
		return nil
	}
	if want := state.VirtualminID.ValueString(); want != "" && d.ID != want {
		diags.AddAttributeWarning(path.Root("rebuild_from"), "Backup of another incarnation of the account",
			fmt.Sprintf("Domain: %s\nThe backup restored the account with Virtualmin ID %s; the state had %s: the backup was "+
				"taken before the account was last created. It is the account now.", ascii, d.ID, want))
	}
	return d
}

// recreate creates the account anew on the target (allow_empty_rebuild).
func (r *hostingAccountResource) recreate(ctx context.Context, to, ascii string, dst *vmServer, plan, config *hostingAccountModel, diags *diag.Diagnostics) *virtualmin.Domain {
	defer dst.domains.Invalidate()
	if d, err := dst.client.Domains.Get(ctx, ascii); err == nil {
		return d // created by an earlier attempt of this rebuild (checkTarget refused any other)
	}
	cr, d := createRequest(ctx, ascii, plan, config)
	diags.Append(d...)
	if diags.HasError() {
		return nil
	}
	dom, err := dst.client.Domains.Create(ctx, cr)
	if err != nil {
		vmError(diags, dst, "Cannot create the account anew on the target", domainObject(ascii), err, "")
		return nil
	}
	return dom
}

// planServerChange is ModifyPlan's part for the server attribute: a move
// when the server changes (the domain staying the same; a new domain
// replaces the account), or, when the server stays, a refusal to plan on
// state the refresh could not check. It reports whether it changed plan.
func (r *hostingAccountResource) planServerChange(ctx context.Context, req resource.ModifyPlanRequest, plan, state, config *hostingAccountModel, diags *diag.Diagnostics) bool {
	if r.data == nil || plan.Server.IsUnknown() || plan.Domain.IsUnknown() {
		return false
	}
	if r.sameEndpoint(plan.Server.ValueString(), state.Server.ValueString()) {
		if why := unreachableAtRefresh(ctx, req.Private); why != "" {
			diags.AddAttributeError(path.Root("server"), "The account's server does not answer",
				fmt.Sprintf("Server: %s\nDomain: %s\nThe refresh could not read the account (%s). Plan again once the server "+
					"answers; or, if it is lost, move the account to another server (change server, or drain this one in its "+
					"praho_placement): it is then rebuilt from rebuild_from.", state.Server.ValueString(), plan.Domain.ValueString(), why))
		}
		return false
	}
	if !sameDomain(plan.Domain.ValueString(), state.Domain.ValueString()) {
		return false // replaced: created on the new server, deleted on the old one
	}
	r.planMove(ctx, plan, state, config, diags)
	return true
}

// storeURLValidator accepts an ssh:// URL of Virtualmin's form without a
// password.
type storeURLValidator struct{}

func (storeURLValidator) Description(context.Context) string {
	return "an ssh://user@host:/path URL without a password"
}
func (v storeURLValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (storeURLValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, _, _, err := parseStoreURL(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid backup URL", err.Error())
	}
}
