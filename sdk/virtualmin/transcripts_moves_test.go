package virtualmin

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

// movesFailures are the reasons expected from the failures recorded while
// moving accounts between two real systems (testdata/transcripts-moves).
var movesFailures = map[string]parseWant{
	"09-transfer-domain-again-no-overwrite-s1.txt":               fails(KindInvalidInput, "Virtual server mv-a.test is already hosted on the destination system"),
	"12-transfer-domain-disabled-overwrite-s1.txt":               fails(KindInvalidInput, "Disabled virtual servers cannot be transferred"),
	"14-transfer-domain-user-praho-norpc-s1.txt":                 fails(KindInvalidInput, "Failed to contact Virtualmin on destination system : Webmin failed : RPC error : Invalid user for RPC"),
	"22-list-domains-mv-a-s1-after-delete.txt":                   fails(KindNotFound, "Virtual server mv-a.test does not exist"),
	"23-transfer-domain-wrong-password-s1.txt":                   fails(KindInvalidInput, "Failed to contact Virtualmin on destination system : Webmin failed : .. login to RPC server as root rejected"),
	"24-transfer-domain-closed-port-s1.txt":                      fails(KindInvalidInput, "Failed to contact Virtualmin on destination system : Webmin failed : Failed to connect to 10.99.0.2 : Failed to connect to 10.99.0.2:10001 : Connection refused"),
	"25-transfer-domain-no-webmin-flag-ssh-default-s1.txt":       fails(KindInvalidInput, "Failed to contact Virtualmin on destination system : ssh: connect to host 10.99.0.2 port 22: Connection refused"),
	"31-list-domains-mv-b-s1-after-delete-transfer.txt":          fails(KindNotFound, "Virtual server mv-b.test does not exist"),
	"35-transfer-domain-subserver-without-parent-s1.txt":         fails(KindNotFound, "Top-level virtual server mv-c.test does not exist on the destination system"),
	"39-list-domains-mv-d-multiline-s2-after-clash-transfer.txt": fails(KindNotFound, "Virtual server mv-d.test does not exist"),
	// Called without multiline=: a text table, which the client (always
	// asking for multiline=) does not read.
	"46-list-domains-all-s1-final.txt": fails(KindUnexpectedResponse, "the server returned a text table instead of objects (a list program called without multiline=)"),
}

// movesRefusals are the refusals Transfer makes of the recorded failures.
var movesRefusals = map[string]struct {
	refusal TransferRefusal
	kind    ErrorKind
}{
	"09-transfer-domain-again-no-overwrite-s1.txt":         {RefusalAlreadyHosted, KindAlreadyExists},
	"12-transfer-domain-disabled-overwrite-s1.txt":         {RefusalDisabled, KindFailed},
	"14-transfer-domain-user-praho-norpc-s1.txt":           {RefusalRPCNotAllowed, KindNotPermitted},
	"23-transfer-domain-wrong-password-s1.txt":             {RefusalLogin, KindNotPermitted},
	"24-transfer-domain-closed-port-s1.txt":                {RefusalUnreachable, KindTransient},
	"25-transfer-domain-no-webmin-flag-ssh-default-s1.txt": {RefusalUnreachable, KindTransient},
	"35-transfer-domain-subserver-without-parent-s1.txt":   {RefusalMissingParent, KindNotFound},
}

// TestParseResponseMovesTranscripts reads every answer recorded during the
// moves: successes as the recorder saw them, failures with the reason that
// says why, refusals as typed refusals.
func TestParseResponseMovesTranscripts(t *testing.T) {
	parseRecordedSet(t, "transcripts-moves", 47, movesFailures, func(t *testing.T, name string, err error) {
		r, ok := movesRefusals[name]
		if !ok {
			return
		}
		err = refusal(err)
		var re *TransferRefusedError
		var e *Error
		if !errors.As(err, &re) || re.Refusal != r.refusal || !errors.As(err, &e) || e.Kind != r.kind {
			t.Errorf("refusal: got %v, want %s (%s)", err, r.refusal, r.kind)
		}
	})
}

// TestTransferOutcomeRecorded reads the outputs of the recorded transfers
// that answered "success": the real successes show no failure, the failed
// backup (MariaDB down) and the failed restore (a Unix user clash) do.
// Without output= (38) a failed restore cannot be seen: only a read of the
// target tells (39).
func TestTransferOutcomeRecorded(t *testing.T) {
	for _, c := range []struct {
		file           string
		step           TransferStep
		reason         string
		disabled, gone bool
	}{
		{file: "05-transfer-domain-webmin-first-s1.txt"},
		{file: "10-transfer-domain-again-overwrite-s1.txt"},
		{file: "27-transfer-domain-mv-b-disable-flag-overwrite-s1.txt"},
		{file: "30-transfer-domain-mv-b-delete-flag-overwrite-s1.txt"},
		{file: "42-transfer-domain-parent-with-subserver-retry-s1.txt"},
		{file: "38-transfer-domain-mv-d-delete-flag-dest-user-clash-s1.txt"},
		{"36-transfer-domain-parent-with-subserver-s1.txt", StepBackup,
			"backup of mysql failed : mysql::execute_sql failed : DBI connect failed :  Can't connect to local server through socket '/run/mysqld/mysqld.sock' (111)", false, false},
		{"41-transfer-domain-mv-e-disable-flag-output-dest-user-clash-s1.txt", StepRestore,
			"a clash was detected : A unix user named mv-e already exists - try selecting a different administration username", true, false},
	} {
		tr := loadTranscript(t, filepath.Join("testdata", "transcripts-moves", c.file))
		resp, err := parseResponse("vm.example:10000", tr.program(), tr.code, tr.header, tr.body)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		f := transferOutcome(resp.Output)
		if c.step == "" {
			if f != nil {
				t.Errorf("%s: %+v, want no failure", c.file, f)
			}
			continue
		}
		if f == nil || f.Step != c.step || f.Reason != c.reason || f.SourceDisabled != c.disabled || f.SourceDeleted != c.gone {
			t.Errorf("%s: got %+v, want step %s %q", c.file, f, c.step, c.reason)
		}
	}
}

// TestDecodeDomainSplitByStrayLine: a line printed amid a domain's listing
// ("Failed to find mount point for /home/mv-a") made remote.cgi split it in
// two; the client joins the halves back and keeps the line as a warning.
func TestDecodeDomainSplitByStrayLine(t *testing.T) {
	tr := loadTranscript(t, filepath.Join("testdata", "transcripts-moves", "47-list-domains-all-multiline-s2-final.txt"))
	resp, err := parseResponse("vm.example:10000", tr.program(), tr.code, tr.header, tr.body)
	if err != nil {
		t.Fatal(err)
	}
	doms := decodeDomains(resp.Data)
	var names []string
	for _, d := range doms {
		names = append(names, d.Name)
	}
	if !slices.Equal(names, []string{"mv-a.test", "mv-b.test", "mv-c.test", "mv-csub.test"}) {
		t.Fatalf("domains %q", names)
	}
	a := doms[0]
	if a.ID != "179622636325750" || !a.HasFeature("mysql") || a.PHPExecutionMode != "fpm" || a.DatabasesCount == nil || *a.DatabasesCount != 2 {
		t.Fatalf("mv-a.test: %+v", a)
	}
	if len(resp.Warnings) != 4 || resp.Warnings[0] != "Failed to find mount point for /home/mv-a" {
		t.Fatalf("warnings %q", resp.Warnings)
	}
}
