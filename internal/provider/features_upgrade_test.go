package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/praho/terraform-provider-praho/internal/acctest"
)

// The upgrade from version 0 gives enabled_features the features asked for
// when the state has none, and leaves one that has it alone.
func TestUpgradeToEnabledFeatures(t *testing.T) {
	up := (&hostingAccountResource{}).UpgradeState(context.Background())[0]
	for _, tc := range []struct{ in, want string }{
		{`{"domain":"a.test","features":["dir","web"]}`, `["dir","web"]`},
		{`{"domain":"a.test","features":["dir"],"enabled_features":null}`, `["dir"]`},
		{`{"domain":"a.test","features":["dir"],"enabled_features":["dir","ssl"]}`, `["dir","ssl"]`},
	} {
		var resp resource.UpgradeStateResponse
		up.StateUpgrader(context.Background(), resource.UpgradeStateRequest{RawState: &tfprotov6.RawState{JSON: []byte(tc.in)}}, &resp)
		if resp.Diagnostics.HasError() || resp.DynamicValue == nil {
			t.Fatalf("%s: %v", tc.in, resp.Diagnostics)
		}
		var out map[string]json.RawMessage
		if err := json.Unmarshal(resp.DynamicValue.JSON, &out); err != nil {
			t.Fatal(err)
		}
		if string(out["enabled_features"]) != tc.want || string(out["domain"]) != `"a.test"` {
			t.Errorf("%s upgraded to %s, want enabled_features %s", tc.in, resp.DynamicValue.JSON, tc.want)
		}
	}
}

// A state written by the schema before enabled_features (version 0), read
// by this provider without a refresh: removing a feature from the
// configuration turns it off on the server, as it did then.
func TestAccHostingAccount_stateOfVersion0(t *testing.T) {
	acctest.PreCheckCLI(t)
	vm := acctest.StartVirtualmin(t, 1)[0]
	w := acctest.NewWorkdir(t)
	cfg := func(features string) string {
		return fmt.Sprintf(`
resource "praho_hosting_account" "acct" {
  server   = %q
  domain   = "old.test"
  password = "Old-State-Pass-1"
  features = %s
}
`, vm.Endpoint, features)
	}
	w.Write(cfg(`["dir", "unix", "web", "mail"]`))
	w.Run([]string{"apply", "-auto-approve"})

	// Rewrite the state as version 0 wrote it.
	statePath := filepath.Join(w.Dir, "terraform.tfstate")
	b, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	for _, r := range st["resources"].([]any) {
		for _, in := range r.(map[string]any)["instances"].([]any) {
			inst := in.(map[string]any)
			inst["schema_version"] = 0
			delete(inst["attributes"].(map[string]any), "enabled_features")
		}
	}
	if b, err = json.Marshal(st); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(statePath, b, 0o600); err != nil {
		t.Fatal(err)
	}

	w.Write(cfg(`["dir", "unix", "web"]`))
	w.Run([]string{"apply", "-auto-approve", "-refresh=false"})
	d, ok := vm.Server.Domain("old.test")
	if !ok || slices.Contains(d.Features, "mail") {
		t.Fatalf("mail not turned off: %+v\n%s", d, w.Output())
	}
}
