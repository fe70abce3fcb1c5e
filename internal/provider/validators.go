package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// The validators below check provider settings at plan time with the same
// functions Configure uses, so a bad value is reported on its attribute.

type pemValidator struct{}

func (pemValidator) Description(context.Context) string {
	return "must hold one or more PEM CERTIFICATE blocks"
}
func (v pemValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (pemValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := checkPEM(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid CA certificate", err.Error())
	}
}

type endpointValidator struct{}

func (endpointValidator) Description(context.Context) string {
	return "must be a server endpoint: host or host:port"
}
func (v endpointValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (endpointValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := normalizeEndpoint(req.ConfigValue.ValueString(), defaultVirtualminPort); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid server endpoint", err.Error())
	}
}

type fingerprintValidator struct{}

func (fingerprintValidator) Description(context.Context) string {
	return "must be a SHA-256 fingerprint: 64 hex digits, colons allowed"
}
func (v fingerprintValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (fingerprintValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parseFingerprint(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid certificate fingerprint", err.Error())
	}
}

type durationValidator struct{}

func (durationValidator) Description(context.Context) string {
	return "must be a positive Go duration such as 90s or 2m"
}
func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if d, err := time.ParseDuration(s); err != nil || d <= 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%q is not a positive Go duration such as \"90s\" or \"2m\".", s))
	}
}

type urlValidator struct{}

func (urlValidator) Description(context.Context) string {
	return "must be an absolute http:// or https:// URL"
}
func (v urlValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (urlValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := checkURL(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid URL", err.Error())
	}
}
