package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// Every resource's schema version, and an upgrade from each earlier one: a
// new resource, or a schema change that older state cannot be read with,
// must be decided here (bump the version and add the upgrade).
func TestSchemaVersions(t *testing.T) {
	want := map[string]int64{
		"praho_dns_record": 0, "praho_dns_zone": 0, "praho_mailbox": 0, "praho_database": 0,
		"praho_letsencrypt_certificate": 0, "praho_php_settings": 0, "praho_account_backup": 0, "praho_account_restore": 0,
		"praho_virtualmin_server": 0, "praho_placement": 0,
		// 1: enabled_features (upgradeToEnabledFeatures).
		"praho_hosting_account": 1, "praho_sub_server": 1, "praho_domain_alias": 1,
	}
	ctx := context.Background()
	p := New("test")()
	for _, f := range p.Resources(ctx) {
		r := f()
		var md resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "praho"}, &md)
		var sr resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &sr)
		v, ok := want[md.TypeName]
		if !ok {
			t.Errorf("%s: no schema version decided here", md.TypeName)
			continue
		}
		if sr.Schema.Version != v {
			t.Errorf("%s: schema version %d, want %d", md.TypeName, sr.Schema.Version, v)
		}
		if v == 0 {
			continue
		}
		u, ok := r.(resource.ResourceWithUpgradeState)
		if !ok {
			t.Errorf("%s: version %d without UpgradeState", md.TypeName, v)
			continue
		}
		ups := u.UpgradeState(ctx)
		for from := range v {
			if _, ok := ups[from]; !ok {
				t.Errorf("%s: no upgrade from version %d", md.TypeName, from)
			}
		}
	}
}
