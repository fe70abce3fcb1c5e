package provider

import (
	"context"
	"log/slog"
	"strings"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// sdkLogger returns a logger that sends an SDK client's slog records to
// Terraform's log (tflog), so that TF_LOG shows every call with its
// correlation ID, retries, breaker changes and warnings. A record logged with
// a context goes to that context's log (the operation that made the call);
// one logged without (a client's construction, a breaker change) goes to
// ctx's. The SDK redacts secrets itself; the values in secrets are masked
// here once more, so that none can reach the log even through an SDK bug.
func sdkLogger(ctx context.Context, secrets ...string) *slog.Logger {
	h := &tflogHandler{ctx: ctx}
	for _, s := range secrets {
		// Shorter values would mask ordinary text and hide nothing.
		if len(s) >= 4 {
			h.secrets = append(h.secrets, s)
		}
	}
	return slog.New(h)
}

// tflogHandler is the slog.Handler behind sdkLogger. tflog filters by level
// itself (TF_LOG, TF_LOG_PROVIDER), so every record is handed over.
type tflogHandler struct {
	ctx     context.Context
	secrets []string
	attrs   []slog.Attr // from WithAttrs, keys already qualified by groups
	group   string      // prefix of the keys from WithGroup, "a.b."
}

func (h *tflogHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *tflogHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx == nil || ctx == context.Background() || ctx == context.TODO() {
		ctx = h.ctx
	}
	if ctx == nil {
		return nil
	}
	fields := make(map[string]any, len(h.attrs)+r.NumAttrs())
	for _, a := range h.attrs {
		fields[a.Key] = maskedValue{h: h, v: a.Value}
	}
	r.Attrs(func(a slog.Attr) bool {
		fields[h.group+a.Key] = maskedValue{h: h, v: a.Value}
		return true
	})
	msg := h.mask(r.Message)
	switch {
	case r.Level < slog.LevelDebug:
		tflog.Trace(ctx, msg, fields)
	case r.Level < slog.LevelInfo:
		tflog.Debug(ctx, msg, fields)
	case r.Level < slog.LevelWarn:
		tflog.Info(ctx, msg, fields)
	case r.Level < slog.LevelError:
		tflog.Warn(ctx, msg, fields)
	default:
		tflog.Error(ctx, msg, fields)
	}
	return nil
}

func (h *tflogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append([]slog.Attr(nil), h.attrs...)
	for _, a := range as {
		c.attrs = append(c.attrs, slog.Attr{Key: h.group + a.Key, Value: a.Value})
	}
	return &c
}

func (h *tflogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.group = h.group + name + "."
	return &c
}

// maskedValue is a field of a record handed to tflog: resolved (a
// slog.LogValuer such as the SDK's response bodies) and masked only when the
// log writes it, as text (String) or in JSON (MarshalText). tflog drops the
// records below the provider's log level before it formats any field, so
// a dropped record costs neither.
type maskedValue struct {
	h *tflogHandler
	v slog.Value
}

func (m maskedValue) String() string { return m.h.mask(m.v.Resolve().String()) }

func (m maskedValue) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// mask replaces every known secret in s.
func (h *tflogHandler) mask(s string) string {
	for _, secret := range h.secrets {
		s = strings.ReplaceAll(s, secret, "***")
	}
	return s
}
