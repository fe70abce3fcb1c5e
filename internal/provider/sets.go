package provider

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Sets of strings in the schema (features, forwarding addresses, host
// names) and lists of them in messages.

// stringSet builds a set of strings, sorted for stable diagnostics. It
// cannot fail: every element is a string value, the set's element type.
func stringSet(vals []string) types.Set {
	return types.SetValueMust(types.StringType, stringValues(slices.Sorted(slices.Values(vals))))
}

// stringList builds a list of strings in the given order; like stringSet, it
// cannot fail.
func stringList(vals []string) types.List {
	return types.ListValueMust(types.StringType, stringValues(vals))
}

func stringValues(vals []string) []attr.Value {
	out := make([]attr.Value, len(vals))
	for i, v := range vals {
		out[i] = types.StringValue(v)
	}
	return out
}

// setStrings returns the known elements of a set of strings, sorted: none
// for a null or unknown set, and without the elements a plan does not know
// yet. Its diagnostics go to diags.
func setStrings(ctx context.Context, s types.Set, diags *diag.Diagnostics) []string {
	if s.IsNull() || s.IsUnknown() {
		return nil
	}
	var elems []types.String
	diags.Append(s.ElementsAs(ctx, &elems, false)...)
	out := make([]string, 0, len(elems))
	for _, e := range elems {
		if !e.IsNull() && !e.IsUnknown() {
			out = append(out, e.ValueString())
		}
	}
	sort.Strings(out)
	return out
}

// minus returns the elements of a that are not in b.
func minus(a, b []string) []string {
	in := make(map[string]bool, len(b))
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}

// orNone lists s for a message, "none" when empty.
func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
