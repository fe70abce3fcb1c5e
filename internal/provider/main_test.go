package provider

import (
	"os"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/praho/terraform-provider-praho/internal/acctest"
)

func TestMain(m *testing.M) { os.Exit(acctest.Main(m)) }

// testAccProtoV6ProviderFactories serves the provider in-process to the CLI
// that resource.Test runs.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"praho": providerserver.NewProtocol6WithError(New("test")()),
}
