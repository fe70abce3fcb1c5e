package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// aliasKind is praho_domain_alias: a domain serving the same website and
// mail as its target account (create-domain alias=). The code is shared
// with praho_sub_server (childDomainResource).
var aliasKind = &childKind{
	alias:      true,
	typeSuffix: "_domain_alias",
	what:       "Domain alias",
	parentAttr: "target",
	parentRole: "target account",
	// An alias takes dns, mail and web (docs/virtualmin-api.md).
	features: []string{"dns", "mail", "web"},
	defaults: []string{"web"},
	desc: "A domain alias: an extra domain serving the same website (and, with `mail`, the same mailboxes) as its " +
		"target account (`create-domain alias=`). It belongs to the target's owner. **Deleting the target account in " +
		"Virtualmin deletes its aliases**: the next plan then shows this alias to be created again, with a warning " +
		"naming the target, instead of failing later.",
	parentDesc: "Domain of the account the alias points to. Reference it (`praho_hosting_account.<name>.domain`) so " +
		"Terraform creates the target first and destroys it last. The target must exist: an alias of a missing " +
		"account fails before any change. Changing it replaces the alias.",
}

type aliasModel struct {
	ID              types.String   `tfsdk:"id"`
	Server          types.String   `tfsdk:"server"`
	Domain          types.String   `tfsdk:"domain"`
	Parent          types.String   `tfsdk:"target"`
	Description     types.String   `tfsdk:"description"`
	Features        types.Set      `tfsdk:"features"`
	EnabledFeatures types.Set      `tfsdk:"enabled_features"`
	VirtualminID    types.String   `tfsdk:"virtualmin_id"`
	Timeouts        timeouts.Value `tfsdk:"timeouts"`
}

func newDomainAliasResource() resource.Resource { return &childDomainResource{kind: aliasKind} }
