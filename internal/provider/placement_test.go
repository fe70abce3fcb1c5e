package provider

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func keysN(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%02d", prefix, i+1)
	}
	return out
}

func countBy(assign map[string]string) map[string]int {
	n := map[string]int{}
	for _, ep := range assign {
		n[ep]++
	}
	return n
}

func twoServers(capacity int64) map[string]candidate {
	return map[string]candidate{
		"a:10000": {endpoint: "a:10000", capacity: capacity, status: statusHealthy},
		"b:10000": {endpoint: "b:10000", capacity: capacity, status: statusHealthy},
	}
}

// TestPlaceSpreadsNewAccounts: 20 new accounts on two equal empty servers
// are 10 and 10; on servers of capacity 3 and 6 they fill both to the same
// load; never over capacity.
func TestPlaceSpreadsNewAccounts(t *testing.T) {
	res, err := place(placementInput{accounts: keysN("acct", 20), servers: twoServers(50), maxLoad: 1, maxMoves: 5})
	if err != nil {
		t.Fatal(err)
	}
	if n := countBy(res.assignments); n["a:10000"] != 10 || n["b:10000"] != 10 {
		t.Fatalf("spread = %v, want 10 and 10", n)
	}
	servers := map[string]candidate{
		"small:10000": {endpoint: "small:10000", capacity: 3},
		"big:10000":   {endpoint: "big:10000", capacity: 6},
	}
	res, err = place(placementInput{accounts: keysN("x", 9), servers: servers, maxLoad: 1, maxMoves: 5})
	if err != nil {
		t.Fatal(err)
	}
	if n := countBy(res.assignments); n["small:10000"] != 3 || n["big:10000"] != 6 {
		t.Fatalf("spread = %v, want 3 and 6", n)
	}
	_, err = place(placementInput{accounts: keysN("x", 10), servers: servers, maxLoad: 1, maxMoves: 5})
	var pe *placementError
	if !errors.As(err, &pe) || !strings.Contains(pe.detail, "x10") || !strings.Contains(pe.detail, "small:10000: full: 3 of 3") ||
		!strings.Contains(pe.detail, "big:10000: full: 6 of 6") {
		t.Fatalf("over capacity: %v", err)
	}
}

// TestPlaceIsStickyAndDeterministic: later load changes (capacity lowered,
// a server degraded or unavailable, reserved slots) never move an account;
// the same input gives the same answer whatever the order of the keys.
func TestPlaceIsStickyAndDeterministic(t *testing.T) {
	keys := keysN("acct", 6)
	first, err := place(placementInput{accounts: keys, servers: twoServers(10), maxLoad: 1, maxMoves: 5})
	if err != nil {
		t.Fatal(err)
	}
	reversed := append([]string(nil), keys...)
	for i, j := 0, len(reversed)-1; i < j; i, j = i+1, j-1 {
		reversed[i], reversed[j] = reversed[j], reversed[i]
	}
	again, _ := place(placementInput{accounts: reversed, servers: twoServers(10), maxLoad: 1, maxMoves: 5})
	if fmt.Sprint(again.assignments) != fmt.Sprint(first.assignments) {
		t.Fatalf("order changed the answer: %v vs %v", again.assignments, first.assignments)
	}
	changed := twoServers(1)
	a := changed["a:10000"]
	a.status, a.reserved = statusUnavailable, 7
	changed["a:10000"] = a
	later, err := place(placementInput{accounts: keys, servers: changed, maxLoad: 0.5, maxMoves: 5, prior: first.assignments})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(later.assignments) != fmt.Sprint(first.assignments) || len(later.moves) != 0 {
		t.Fatalf("load changes moved accounts: %v -> %v", first.assignments, later.assignments)
	}
	// A new account now goes where it fits: b is over its ceiling, a is
	// unavailable: refused, each candidate named with its reason.
	_, err = place(placementInput{accounts: append(keys, "new"), servers: changed, maxLoad: 0.5, maxMoves: 5, prior: first.assignments})
	if err == nil || !strings.Contains(err.Error(), "a:10000: unavailable") || !strings.Contains(err.Error(), "b:10000: full") {
		t.Fatalf("new account: %v", err)
	}
}

// TestPlaceRefusalsNameEveryCandidate: tags, draining, status and capacity
// each give their own reason.
func TestPlaceRefusalsNameEveryCandidate(t *testing.T) {
	servers := map[string]candidate{
		"drain:10000": {capacity: 10, draining: true, tags: map[string]string{"region": "eu"}},
		"down:10000":  {capacity: 10, status: statusUnavailable, tags: map[string]string{"region": "eu"}},
		"us:10000":    {capacity: 10, tags: map[string]string{"region": "us"}},
		"bare:10000":  {capacity: 10},
		"zero:10000":  {capacity: 0, tags: map[string]string{"region": "eu"}},
	}
	_, err := place(placementInput{accounts: []string{"k"}, servers: servers, requiredTags: map[string]string{"region": "eu"}, maxLoad: 1, maxMoves: 1})
	for _, want := range []string{"drain:10000: draining", "down:10000: unavailable", `us:10000: tag region = "us" (required: "eu")`,
		`bare:10000: no tag region`, "zero:10000: full: 0 of 0"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

// TestPlaceDrainsBoundedPerApply: a draining server with 10 accounts gives
// them to two others, at most maxMoves per plan, spread between them; the
// next plans continue from the state; a removed server that still holds
// accounts is refused.
func TestPlaceDrainsBoundedPerApply(t *testing.T) {
	servers := map[string]candidate{
		"old:10000": {capacity: 20},
		"n1:10000":  {capacity: 20},
		"n2:10000":  {capacity: 20},
	}
	prior := map[string]string{}
	for _, k := range keysN("acct", 10) {
		prior[k] = "old:10000"
	}
	old := servers["old:10000"]
	old.draining = true
	servers["old:10000"] = old
	var applies int
	for ; applies < 10; applies++ {
		res, err := place(placementInput{accounts: keysN("acct", 10), servers: servers, maxLoad: 1, maxMoves: 4, prior: prior})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.moves) > 4 {
			t.Fatalf("apply %d moves %d accounts", applies+1, len(res.moves))
		}
		prior = res.assignments
		if len(res.moves) == 0 {
			break
		}
	}
	n := countBy(prior)
	if applies != 3 || n["old:10000"] != 0 || n["n1:10000"] != 5 || n["n2:10000"] != 5 {
		t.Fatalf("after %d applies: %v", applies, n)
	}
	delete(servers, "n2:10000")
	if _, err := place(placementInput{accounts: keysN("acct", 10), servers: servers, maxLoad: 1, maxMoves: 4, prior: prior}); err == nil ||
		!strings.Contains(err.Error(), "n2:10000 still holds") || !strings.Contains(err.Error(), "draining = true") {
		t.Fatalf("removed server: %v", err)
	}
}

// TestPlaceKeepsExistingAccounts: accounts that exist before the placement
// stay where existing says, count towards the load, and a server there that
// is not a candidate is refused.
func TestPlaceKeepsExistingAccounts(t *testing.T) {
	existing := map[string]string{"acct01": "b:10000", "acct02": "b:10000"}
	res, err := place(placementInput{accounts: keysN("acct", 4), servers: twoServers(10), maxLoad: 1, maxMoves: 1, existing: existing})
	if err != nil {
		t.Fatal(err)
	}
	if res.assignments["acct01"] != "b:10000" || res.assignments["acct02"] != "b:10000" ||
		res.assignments["acct03"] != "a:10000" || res.assignments["acct04"] != "a:10000" {
		t.Fatalf("assignments = %v", res.assignments)
	}
	existing["acct03"] = "c:10000"
	if _, err := place(placementInput{accounts: keysN("acct", 4), servers: twoServers(10), maxLoad: 1, maxMoves: 1, existing: existing}); err == nil ||
		!strings.Contains(err.Error(), "c:10000 still holds acct03") {
		t.Fatalf("existing on a non-candidate: %v", err)
	}
}
