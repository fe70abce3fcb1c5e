package provider

import (
	"context"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// setStrings keeps the elements a plan knows (an unknown one used to empty
// the whole list) and reports what it cannot convert instead of dropping it.
func TestSetStringsKnownElementsAndErrors(t *testing.T) {
	ctx := context.Background()
	var diags diag.Diagnostics
	partial := types.SetValueMust(types.StringType, []attr.Value{types.StringValue("web"), types.StringUnknown(), types.StringValue("dir")})
	if got := setStrings(ctx, partial, &diags); !slices.Equal(got, []string{"dir", "web"}) || diags.HasError() {
		t.Fatalf("setStrings(partly unknown) = %v, %v; want [dir web] and no error", got, diags)
	}
	if got := setStrings(ctx, types.SetUnknown(types.StringType), &diags); got != nil || diags.HasError() {
		t.Fatalf("setStrings(unknown) = %v, %v", got, diags)
	}
	ints := types.SetValueMust(types.Int64Type, []attr.Value{types.Int64Value(1)})
	setStrings(ctx, ints, &diags)
	if !diags.HasError() {
		t.Fatal("a set of numbers read as strings gave no error")
	}
	if s := stringSet([]string{"b", "a"}); s.String() != `["a","b"]` {
		t.Errorf("stringSet = %s", s)
	}
}
