package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestSingleLabelTarget(t *testing.T) {
	for _, tc := range []struct {
		rrtype, content, want string
	}{
		{"CNAME", "www", "www"},
		{"CNAME", "www.", "www."},
		{"cname", "web", "web"},
		{"CNAME", "www.example.ro", ""},
		{"CNAME", "www.example.ro.", ""},
		{"MX", "10 mail", "mail"},
		{"MX", "10 mail.example.ro.", ""},
		{"MX", "0 .", ""}, // null MX
		{"NS", "ns1", "ns1"},
		{"SRV", "10 5 5060 sip", "sip"},
		{"SRV", "0 0 0 .", ""}, // no service
		{"A", "192.0.2.1", ""},
		{"TXT", "hello", ""},
	} {
		got, ok := singleLabelTarget(tc.rrtype, tc.content)
		if ok != (tc.want != "") || got != tc.want {
			t.Errorf("singleLabelTarget(%s, %q) = %q, %t; want %q", tc.rrtype, tc.content, got, ok, tc.want)
		}
	}
}

// A relative-looking CNAME target is accepted (it is a valid name) but the
// plan warns, naming the fully-qualified name the user probably meant.
func TestValidateRRsetWarnsAboutSingleLabelTarget(t *testing.T) {
	ctx := context.Background()
	check := func(rrtype string, values ...string) diag.Diagnostics {
		var diags diag.Diagnostics
		recs, d := types.SetValueFrom(ctx, types.StringType, values)
		diags.Append(d...)
		validateRRsetConfig(ctx, &diags, path.Root("name"), path.Root("type"), path.Root("records"),
			types.StringValue("example.ro"), types.StringValue("shop"), types.StringValue(rrtype), recs)
		return diags
	}
	d := check("CNAME", "www")
	if d.HasError() || d.WarningsCount() != 1 {
		t.Fatalf("CNAME www: %v", d)
	}
	w := d.Warnings()[0]
	if !strings.Contains(w.Detail(), `"www"`) || !strings.Contains(w.Detail(), `"www.example.ro."`) {
		t.Fatalf("warning does not name the target and the likely meaning: %s", w.Detail())
	}
	if d := check("CNAME", "www.example.ro."); d.WarningsCount() != 0 || d.HasError() {
		t.Fatalf("fully-qualified CNAME: %v", d)
	}
	if d := check("MX", "10 mail"); d.WarningsCount() != 1 {
		t.Fatalf("MX 10 mail: %v", d)
	}
	if d := check("A", "192.0.2.1"); d.WarningsCount() != 0 || d.HasError() {
		t.Fatalf("A record: %v", d)
	}
}
