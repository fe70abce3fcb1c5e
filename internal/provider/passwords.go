package provider

// The password policy of accounts and mailboxes: a minimum length
// (virtualmin.password_min_length), checked at plan time by ModifyPlan,
// which, unlike a validator, sees the provider's configuration.

import (
	"fmt"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// checkPasswords fails the plan when a password about to be sent (at a
// create, or when it changes) is shorter than the provider's
// virtualmin.password_min_length: password when it differs from the state's
// (or at a create, when state is null), password_wo when its version does.
// The framework hands write-only values to the plan through the
// configuration only. No message holds the password or its length.
func (d *providerData) checkPasswords(diags *diag.Diagnostics, creating bool, config, plan, state passwordAttrs) {
	if d == nil {
		return
	}
	if creating || !plan.password.Equal(state.password) {
		d.checkPasswordLength(diags, "password", config.password)
	}
	if creating || !plan.version.Equal(state.version) {
		d.checkPasswordLength(diags, "password_wo", config.passwordWO)
	}
}

// passwordAttrs are the password attributes of an account or a mailbox.
type passwordAttrs struct {
	password, passwordWO types.String
	version              types.Int64
}

func (d *providerData) checkPasswordLength(diags *diag.Diagnostics, attr string, v types.String) {
	if v.IsNull() || v.IsUnknown() {
		return
	}
	if least := d.cfg.Virtualmin.PasswordMinLength; utf8.RuneCountInString(v.ValueString()) < least {
		diags.AddAttributeError(path.Root(attr), "Password too short",
			fmt.Sprintf("%s must have at least %d characters. Choose a longer password, or change the provider's "+
				"virtualmin.password_min_length (environment: PRAHO_VIRTUALMIN_PASSWORD_MIN_LENGTH).", attr, least))
	}
}
