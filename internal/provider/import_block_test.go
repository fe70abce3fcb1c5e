package provider

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/internal/acctest"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// TestAccImportBlock_generateConfig: what the docs show for taking over an
// account made outside Terraform, run with the real CLI. An import block and
// `plan -generate-config-out` write the account's configuration (everything
// but the password, which Virtualmin never returns: that plan fails asking
// for it); with the password filled in, apply imports the account and the
// next plan is empty.
func TestAccImportBlock_generateConfig(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: run tools/testacc.sh")
	}
	vm := acctest.StartVirtualmin(t, 1)[0]
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := vm.Client.Domains.Create(ctx, &virtualmin.CreateDomainRequest{Domain: "shop.example.test", Pass: "Made-By-Hand-1",
		Features: []string{"unix", "dir", "web", "mail"}}); err != nil {
		t.Fatal(err)
	}
	w := acctest.NewWorkdir(t, "TF_VAR_account_password="+accountPassword)
	w.Write(`import {
  to = praho_hosting_account.shop
  id = "` + vm.Endpoint + `/shop.example.test"
}

variable "account_password" {
  type      = string
  sensitive = true
}
`)
	w.Run([]string{"plan", "-generate-config-out=generated.tf"}, 1)
	raw, err := os.ReadFile(filepath.Join(w.Dir, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	gen := string(raw)
	for _, want := range []string{`resource "praho_hosting_account" "shop"`, `"shop.example.test"`, `"` + vm.Endpoint + `"`} {
		if !strings.Contains(gen, want) {
			t.Fatalf("generated.tf lacks %s:\n%s", want, gen)
		}
	}
	password := regexp.MustCompile(`(?m)^(\s*password\s*=\s*)null.*$`)
	if !password.MatchString(gen) {
		t.Fatalf("no password line to fill in:\n%s", gen)
	}
	gen = password.ReplaceAllString(gen, "${1}var.account_password")
	if err := os.WriteFile(filepath.Join(w.Dir, "generated.tf"), []byte(gen), 0o600); err != nil {
		t.Fatal(err)
	}
	w.Run([]string{"apply", "-auto-approve", "-input=false"})
	w.Run([]string{"plan", "-detailed-exitcode", "-input=false"}) // 2 (changes) fails the test
}
