package provider

// The placement rule of praho_placement, as a pure function of its
// configuration and its prior assignments: Terraform plans the resource
// again in a fresh provider process during apply, where any known planned
// value must come out the same, so nothing here reads a server, a clock or
// another resource.

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Server statuses a placement candidate may have (praho_virtualmin_server's
// status).
const (
	statusHealthy     = "healthy"
	statusDegraded    = "degraded"
	statusUnavailable = "unavailable"
)

// candidate is one server a placement may use.
type candidate struct {
	endpoint string
	capacity int64
	// reserved are the slots taken on the server by accounts this
	// placement does not manage.
	reserved int64
	tags     map[string]string
	// status is healthy, degraded or unavailable; empty when not known yet
	// (a server created in the same apply, whose create fails if it comes up
	// unavailable), which counts as healthy.
	status   string
	draining bool
}

// placementInput is what a placement decides from.
type placementInput struct {
	accounts     []string
	servers      map[string]candidate
	requiredTags map[string]string
	// maxLoad is the ceiling of (reserved + accounts) / capacity a new
	// assignment may reach.
	maxLoad float64
	// maxMoves bounds how many accounts leave draining servers per apply.
	maxMoves int
	// prior are the assignments in state (account key → endpoint).
	prior map[string]string
	// existing are the servers accounts are on already, for keys without a
	// prior assignment (bringing existing accounts under a placement).
	existing map[string]string
}

// placementResult is the decision.
type placementResult struct {
	assignments map[string]string
	// moves are the accounts that change server in this plan, sorted by key.
	moves []placementMove
	// waiting counts the accounts left on draining servers for later applies.
	waiting int
}

type placementMove struct{ key, from, to string }

// placementError is a refusal, in words that name each candidate.
type placementError struct {
	summary, detail string
}

func (e *placementError) Error() string { return e.summary + ": " + e.detail }

// limit is how many accounts the ceiling lets s hold.
func (c candidate) limit(maxLoad float64) int64 {
	// A small epsilon keeps 0.9 * 10 from flooring to 8.
	return int64(maxLoad*float64(c.capacity) + 1e-9)
}

// place assigns every account a server: its prior server while that is a
// candidate that is not draining (sticky: load never moves an account by
// itself); up to maxMoves accounts of draining servers to the others; every
// new account to the eligible server of lowest load, ties broken by fewer
// accounts and then by endpoint. Accounts are taken in key order.
func place(in placementInput) (*placementResult, error) {
	load := map[string]int64{}
	for ep, c := range in.servers {
		load[ep] = c.reserved
	}
	res := &placementResult{assignments: map[string]string{}}
	keys := slices.Clone(in.accounts)
	sort.Strings(keys)

	// Sticky assignments first: they count towards every server's load.
	gone := map[string][]string{}
	for _, k := range keys {
		ep, ok := in.prior[k]
		if !ok {
			ep, ok = in.existing[k]
		}
		if !ok {
			continue
		}
		if _, listed := in.servers[ep]; !listed {
			gone[ep] = append(gone[ep], k)
			continue
		}
		res.assignments[k] = ep
		load[ep]++
	}
	if len(gone) > 0 {
		var lines []string
		for _, ep := range slices.Sorted(maps.Keys(gone)) {
			lines = append(lines, fmt.Sprintf("%s still holds %s", ep, strings.Join(gone[ep], ", ")))
		}
		return nil, &placementError{"Accounts on a server that is not a candidate",
			strings.Join(lines, "\n") + "\n\nEvery server that holds accounts of the placement (assigned, or given in existing) " +
				"must be in servers. A server leaves a placement by draining: set draining = true in its entry, apply until " +
				"its accounts have moved (max_moves_per_apply at a time), then remove the entry."}
	}

	// Drain, a bounded number per apply.
	moved := 0
	for _, k := range keys {
		from, ok := res.assignments[k]
		if !ok || !in.servers[from].draining {
			continue
		}
		if moved >= in.maxMoves {
			res.waiting++
			continue
		}
		to, why := bestServer(in, load)
		if to == "" {
			return nil, &placementError{"No server can take the accounts of a draining server",
				fmt.Sprintf("%s must leave %s (draining), and no candidate fits:\n%s", k, from, why)}
		}
		res.assignments[k] = to
		load[from]--
		load[to]++
		res.moves = append(res.moves, placementMove{key: k, from: from, to: to})
		moved++
	}

	// New accounts.
	var unplaced []string
	var why string
	for _, k := range keys {
		if _, ok := res.assignments[k]; ok {
			continue
		}
		to, reasons := bestServer(in, load)
		if to == "" {
			unplaced = append(unplaced, k)
			why = reasons
			continue
		}
		res.assignments[k] = to
		load[to]++
	}
	if len(unplaced) > 0 {
		return nil, &placementError{"No server fits",
			fmt.Sprintf("%d account(s) cannot be placed (%s), as no candidate fits:\n%s\n\nAdd a server, raise a capacity or max_load, "+
				"or relax required_tags.", len(unplaced), strings.Join(unplaced, ", "), why)}
	}
	return res, nil
}

// bestServer picks the eligible server of lowest load; with none, it returns ""
// and why each candidate was refused, one line each.
func bestServer(in placementInput, load map[string]int64) (string, string) {
	var pick string
	var lines []string
	for _, ep := range slices.Sorted(maps.Keys(in.servers)) {
		c := in.servers[ep]
		if reason := refusalOf(in, c, load[ep]); reason != "" {
			lines = append(lines, "  "+ep+": "+reason)
			continue
		}
		if pick == "" || lessLoaded(c, load[ep], in.servers[pick], load[pick]) {
			pick = ep
		}
	}
	if pick != "" {
		return pick, ""
	}
	if len(lines) == 0 {
		lines = append(lines, "  (servers is empty)")
	}
	return "", strings.Join(lines, "\n")
}

// lessLoaded reports whether a (holding na) is less loaded than b (nb):
// na/a.capacity < nb/b.capacity, compared without division; then fewer
// accounts. Equal loads keep the earlier endpoint (the caller's order).
func lessLoaded(a candidate, na int64, b candidate, nb int64) bool {
	l, r := na*b.capacity, nb*a.capacity
	if l != r {
		return l < r
	}
	return na < nb
}

// refusalOf says why c cannot take one more account, or "".
func refusalOf(in placementInput, c candidate, n int64) string {
	switch {
	case c.draining:
		return "draining"
	case c.status == statusUnavailable:
		return "unavailable"
	case c.status != "" && c.status != statusHealthy && c.status != statusDegraded:
		return fmt.Sprintf("status %q (only healthy and degraded servers take accounts)", c.status)
	}
	for _, k := range slices.Sorted(maps.Keys(in.requiredTags)) {
		want := in.requiredTags[k]
		if got, ok := c.tags[k]; !ok {
			return fmt.Sprintf("no tag %s (required: %s = %q)", k, k, want)
		} else if got != want {
			return fmt.Sprintf("tag %s = %q (required: %q)", k, got, want)
		}
	}
	if lim := c.limit(in.maxLoad); n+1 > lim {
		return fmt.Sprintf("full: %d of %d slots taken (capacity %d, max_load %g)", n, lim, c.capacity, in.maxLoad)
	}
	return ""
}
