package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestBackupSummary(t *testing.T) {
	for in, want := range map[string]string{
		"Starting backup..\n.. done\n\nBackup completed successfully. Final size was 59.73 KiB\n\n": "Backup completed successfully. Final size was 59.73 KiB",
		"Starting restore..\nRe-creating virtual server a.test ..\n.. done\n\n":                     "Re-creating virtual server a.test ..",
		"Restoring backup ..\n.. restored 3 features\n":                                             "restored 3 features",
		"": "",
	} {
		if got := backupSummary(in); got != want {
			t.Errorf("backupSummary(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBackupPathValidator(t *testing.T) {
	for in, wantErr := range map[string]bool{
		"/var/backups/virtualmin/a.tar.gz":  false,
		"ssh://u@h:/srv/a.tar.gz":           false,
		"s3://bucket/a.tar.gz":              false,
		"backups/a.tar.gz":                  true,
		"/var/backups/virtualmin/":          true,
		"/var/backups/a.tar.gz\nrm -rf /":   true,
		"/var/backups/a.tar.gz\x00suffixed": true,
	} {
		var resp validator.StringResponse
		backupPathValidator{}.ValidateString(context.Background(), validator.StringRequest{
			Path: path.Root("destination"), ConfigValue: types.StringValue(in)}, &resp)
		if resp.Diagnostics.HasError() != wantErr {
			t.Errorf("%q: error %v, want %v (%v)", in, resp.Diagnostics.HasError(), wantErr, resp.Diagnostics)
		}
	}
}
