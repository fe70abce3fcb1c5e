package bootstrap

import (
	"fmt"
	"log/slog"
)

// String describes the options without the password, so that printing them
// (fmt's %v and %+v, slog) never shows it.
func (o APIUserOptions) String() string {
	return fmt.Sprintf("{Name:%s Password:%s AllowFrom:%v}", o.Name, redacted(o.Password), o.AllowFrom)
}

// LogValue implements slog.LogValuer without the password.
func (o APIUserOptions) LogValue() slog.Value { return slog.StringValue(o.String()) }

// String describes the options without the API password.
func (o HealthOptions) String() string {
	return fmt.Sprintf("{Endpoint:%s APIUser:%s APIPassword:%s TLSFingerprintSHA256:%s}", o.Endpoint, o.APIUser, redacted(o.APIPassword), o.TLSFingerprintSHA256)
}

// LogValue implements slog.LogValuer without the API password.
func (o HealthOptions) LogValue() slog.Value { return slog.StringValue(o.String()) }

// String describes the options without the private key.
func (o TLSOptions) String() string {
	return fmt.Sprintf("{CertPEM:%d bytes KeyPEM:%s Hostname:%s ValidDays:%d RenewBefore:%s}", len(o.CertPEM), redacted(string(o.KeyPEM)), o.Hostname, o.ValidDays, o.RenewBefore)
}

// LogValue implements slog.LogValuer without the private key.
func (o TLSOptions) LogValue() slog.Value { return slog.StringValue(o.String()) }

func redacted(s string) string {
	if s == "" {
		return `""`
	}
	return "[REDACTED]"
}
