package virtualmin

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"

	rec "github.com/praho/terraform-provider-praho/sdk/virtualmin/internal/transcript"
)

// stockFailures are the reasons expected from the failures recorded on the
// installer-configured server (testdata/transcripts-stock).
var stockFailures = map[string]parseWant{
	"27-create-domain-missing-parent-json.txt":              fails(KindNotFound, "Parent domain does not exist"),
	"28-list-domains-missing-parent-filter-json.txt":        fails(KindInvalidInput, "No parent named ghost.test found"),
	"29-disable-feature-s1-dir-on-web-domain-json.txt":      fails(KindFailed, "dependency checks failed : A domain cannot have an administration user without a home directory"),
	"30-list-domains-mariadb-down-s2-multiline-json.txt":    fails(KindFailed, "DBI connect failed : Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)"),
	"31-transfer-domain-no-args-json.txt":                   fails(KindInvalidInput, "No domain to move specified"),
	"32-transfer-domain-s2-to-self-webmin-no-pass-json.txt": fails(KindInvalidInput, "Failed to contact Virtualmin on destination system : Webmin failed : .. login to RPC server as root rejected"),
}

// TestParseResponseStockTranscripts reads every answer of the installer-
// configured server: successes as the recorder saw them, failures with the
// reason that says why.
func TestParseResponseStockTranscripts(t *testing.T) {
	parseRecordedSet(t, "transcripts-stock", 42, stockFailures, nil)
}

// parseRecordedSet parses every answer of a recording set (count of them):
// those INDEX.tsv calls failures, and the text tables the client refuses,
// as failures gives them; the others as successes. more, when given, looks
// further at each failure.
func parseRecordedSet(t *testing.T, set string, count int, failures map[string]parseWant, more func(t *testing.T, name string, err error)) {
	dir := filepath.Join("testdata", set)
	index, err := rec.Index(dir)
	if err != nil {
		t.Fatal(err)
	}
	files, err := rec.Files(dir)
	if err != nil || len(files) != count {
		t.Fatalf("%d transcripts in %s (%v), want %d", len(files), set, err, count)
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			tr := loadTranscript(t, path)
			resp, err := parseResponse("vm.example:10000", tr.program(), tr.code, tr.header, tr.body)
			want, isFailure := failures[name]
			if (index[name] == "failure") != (isFailure && want.kind != KindUnexpectedResponse) {
				t.Fatalf("INDEX.tsv says %q; the expected failures disagree", index[name])
			}
			if !isFailure {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				checkResponseClean(t, resp)
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("want an *Error, got %v", err)
			}
			if e.Kind != want.kind || e.Reason != want.reason {
				t.Errorf("got %s %q\nwant %s %q", e.Kind, e.Reason, want.kind, want.reason)
			}
			if more != nil {
				more(t, name, err)
			}
		})
	}
}

// TestDecodeStockDomain decodes a domain of the installer-configured server:
// the features it has besides those asked for, PHP-FPM from the start, the
// database size.
func TestDecodeStockDomain(t *testing.T) {
	for _, tc := range []struct {
		file     string
		features []string
	}{
		{"05-list-domains-s1-multiline-json.txt", []string{"unix", "dir", "dns", "mail", "web", "ssl", "logrotate", "mysql"}},
		{"16-list-domains-idn-multiline-json.txt", []string{"unix", "dir", "dns", "mail", "web", "ssl", "logrotate", "mysql"}},
	} {
		tr := loadTranscript(t, filepath.Join("testdata", "transcripts-stock", tc.file))
		resp, err := parseResponse("vm.example:10000", tr.program(), tr.code, tr.header, tr.body)
		if err != nil {
			t.Fatal(err)
		}
		d := decodeDomains(resp.Data)[0]
		if !slices.Equal(d.Features, tc.features) || d.PHPExecutionMode != "fpm" || d.PHPVersion != "8.2" ||
			d.DatabasesBytes == nil || *d.DatabasesBytes != 8192 {
			t.Errorf("%s: %+v", tc.file, d)
		}
	}
}
