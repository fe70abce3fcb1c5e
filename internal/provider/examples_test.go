package provider

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/praho/terraform-provider-praho/internal/acctest"
)

// TestAccExamples_validate runs tools/validate-examples.sh with the CLI of the
// acceptance run: every folder under examples/ must pass `fmt -check` and
// `validate` against the provider built from this checkout, on OpenTofu
// 1.12.6 and on Terraform 1.5.7 (tools/testacc.sh runs it with both).
func TestAccExamples_validate(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: runs the real CLI; use tools/testacc.sh")
	}
	acctest.PreCheck(t)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(root, "tools", "validate-examples.sh"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "VALIDATE_CLIS="+os.Getenv("TF_ACC_TERRAFORM_PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("tools/validate-examples.sh: %v\n%s", err, out)
	}
	// Every example folder was validated, not none.
	if n := strings.Count(string(out), "\nok ") + boolInt(strings.HasPrefix(string(out), "ok ")); n < 10 {
		t.Fatalf("only %d example folders validated:\n%s", n, out)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
