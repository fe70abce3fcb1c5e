package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// The validators below run the SDK's own checks at plan time, so a bad name
// is reported before any call, on its attribute.

type domainNameValidator struct{}

func (domainNameValidator) Description(context.Context) string {
	return "must be a domain name Virtualmin accepts (IDN allowed)"
}
func (v domainNameValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (domainNameValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := virtualmin.ValidateDomainName(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid domain name", err.Error())
	}
}

type usernameValidator struct{}

func (usernameValidator) Description(context.Context) string {
	return "must be a Unix user name: 1-32 lower-case letters, digits, '.', '_' or '-'"
}
func (v usernameValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (usernameValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := virtualmin.ValidateUsername(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid user name", err.Error())
	}
}

type passwordValidator struct{}

func (passwordValidator) Description(context.Context) string {
	return "must be a non-empty password on one line"
}
func (v passwordValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (passwordValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	// The SDK's error never holds the password.
	if err := virtualmin.ValidatePassword(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid password", err.Error())
	}
}

type singleLineValidator struct{}

func (singleLineValidator) Description(context.Context) string {
	return "must be one line without control characters"
}
func (v singleLineValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (singleLineValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if strings.ContainsFunc(req.ConfigValue.ValueString(), func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid text",
			"The value must be one line without control characters: Virtualmin's remote API would split it into separate arguments.")
	}
}

// requiresReplaceIfMeaningChanges replaces the resource when the attribute's
// new value means something else than the old one (same(old, new) false).
func requiresReplaceIfMeaningChanges(same func(a, b string) bool, desc string) planmodifier.String {
	return stringplanmodifier.RequiresReplaceIf(func(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = req.PlanValue.IsUnknown() || !same(req.StateValue.ValueString(), req.PlanValue.ValueString())
	}, desc, desc)
}

// sameDomain compares domains by their ASCII form ("școală.ro" is
// "xn--coal-6qa8b.ro").
func sameDomain(a, b string) bool {
	x, err1 := virtualmin.ValidateDomainName(a)
	y, err2 := virtualmin.ValidateDomainName(b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	return x == y
}

func (r *hostingAccountResource) sameEndpoint(a, b string) bool { return sameEndpoint(r.data, a, b) }

// sameEndpoint compares endpoints after normalisation with the provider's
// port for a server given without one (the default before Configure). The
// resources call it through a method of their own, which reads their data
// when the plan runs, not when the schema is built.
func sameEndpoint(d *providerData, a, b string) bool {
	port := defaultVirtualminPort
	if d != nil {
		port = d.cfg.Virtualmin.Port
	}
	x, err1 := normalizeEndpoint(a, port)
	y, err2 := normalizeEndpoint(b, port)
	if err1 != nil || err2 != nil {
		return a == b
	}
	return x == y
}
