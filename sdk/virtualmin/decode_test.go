package virtualmin

import "testing"

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"2 GiB": 2 << 30, "1 GB": 1 << 30, "58.99 KiB": 60406, "120.5 MB": 126353408, "0 bytes": 0,
		"1048576": 1048576, "512 b": 512, "1.5 TiB": 3 << 39,
	} {
		got, err := parseSize(in)
		if err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "lots", "2 parsecs", "GiB"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) succeeded", bad)
		}
	}
}

func TestParseLimitAndYesNo(t *testing.T) {
	for in, want := range map[string]Limit{
		"Unlimited": {Unlimited: true}, "*": {Unlimited: true}, "UNLIMITED": {Unlimited: true},
		"5": {Value: 5}, "0": {}, "Cannot create": {},
	} {
		got, err := ParseLimit(in)
		if err != nil || got != want {
			t.Errorf("ParseLimit(%q) = %+v, %v", in, got, err)
		}
	}
	if _, err := ParseLimit("five"); err == nil {
		t.Error("ParseLimit(five) succeeded")
	}
	if (Limit{Unlimited: true}).String() != "UNLIMITED" || (Limit{Value: 7}).String() != "7" {
		t.Error("Limit.String")
	}
	for in, want := range map[string]bool{"Yes": true, "No": false, "yes": true, "": false} {
		if got, err := parseYesNo(in); err != nil || got != want {
			t.Errorf("parseYesNo(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := parseYesNo("maybe"); err == nil {
		t.Error("parseYesNo(maybe) succeeded")
	}
}

// A newer Virtualmin's keys stay available in Raw; quota keys, when the
// server has quotas on, fill the pointer fields.
func TestDecodeDomainQuotasAndUnknownKeys(t *testing.T) {
	d := decodeDomain(item{Name: "example.com", Values: map[string][]string{
		"server_block_quota":     {"1048576"},
		"server_byte_quota_used": {"126353408"},
		"user_block_quota":       {"Unlimited"},
		"bandwidth_byte_limit":   {"10737418240"},
		"bandwidth_byte_usage":   {"1024"},
		"features":               {"unix dir web"},
		"brand_new_key":          {"a", "b"},
		"password_for_mysql":     {"s3cret"},
		"disabled":               {""},
		"ssl_cert_expiry_time":   {"1802854800"},
		"created_unix_time":      {"not a number"},
	}})
	eq(t, "quota", d.ServerQuotaBlocks, &Limit{Value: 1048576})
	eq(t, "used", d.ServerBytesUsed, i64(126353408))
	eq(t, "user quota", d.UserQuotaBlocks, &Limit{Unlimited: true})
	eq(t, "bw", d.BandwidthLimitBytes, &Limit{Value: 10737418240})
	eq(t, "bw used", d.BandwidthUsageBytes, i64(1024))
	eq(t, "raw", d.Raw["brand_new_key"], []string{"a", "b"})
	eq(t, "disabled", [2]any{d.Disabled, d.DisabledReason}, [2]any{true, "Manually"})
	eq(t, "created zero", d.Created.IsZero(), true)
	eq(t, "ssl expiry", d.SSLCertExpiry.Unix(), int64(1802854800))
	if _, ok := d.Raw["password_for_mysql"]; ok {
		t.Error("Raw carries password_for_mysql")
	}
	if !d.HasFeature("web") || d.HasFeature("mysql") {
		t.Error("HasFeature")
	}
}
