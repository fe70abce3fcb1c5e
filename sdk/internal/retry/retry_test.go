package retry

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestBackoffBounds(t *testing.T) {
	for attempt := 0; attempt < 40; attempt++ {
		want := min(time.Second<<min(attempt, 10), 10*time.Second)
		lo := jittered(time.Second, 10*time.Second, attempt, 0)
		hi := jittered(time.Second, 10*time.Second, attempt, 0.999999)
		if lo != want/2 || hi > want || hi < want-time.Millisecond {
			t.Errorf("attempt %d: range [%s, %s], want [%s, %s]", attempt, lo, hi, want/2, want)
		}
		if d := Backoff(time.Second, 10*time.Second, attempt); d < want/2 || d > want {
			t.Errorf("attempt %d: %s outside [%s, %s]", attempt, d, want/2, want)
		}
	}
	if d := Backoff(0, time.Second, 3); d != 0 {
		t.Errorf("no minimum: %s, want 0", d)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		header string
		want   time.Duration
		ok     bool
	}{
		{"", 0, false},
		{"3", 3 * time.Second, true},
		{"0.5", 500 * time.Millisecond, true},
		{"300", 5 * time.Minute, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
	} {
		d, ok := RetryAfter(http.Header{"Retry-After": {tc.header}}, now)
		if d != tc.want || ok != tc.ok {
			t.Errorf("Retry-After %q = %s, %v; want %s, %v", tc.header, d, ok, tc.want, tc.ok)
		}
	}
	resp := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"300"}}}
	if d := HTTPBackoff(time.Millisecond, time.Second, 0, resp); d != 5*time.Minute {
		t.Errorf("HTTPBackoff with Retry-After 300 = %s: the server's wait wins over the cap", d)
	}
	resp.StatusCode = 500
	if d := HTTPBackoff(time.Millisecond, 2*time.Millisecond, 0, resp); d > 2*time.Millisecond {
		t.Errorf("HTTPBackoff on a 500 = %s: Retry-After is for 429 and 503 only", d)
	}
}

// fakeSleep records the waits without waiting.
type fakeSleep struct{ waits []time.Duration }

func (f *fakeSleep) sleep(ctx context.Context, d time.Duration) error {
	f.waits = append(f.waits, d)
	return ctx.Err()
}

func TestDo(t *testing.T) {
	errBusy := errors.New("busy")
	p := Policy{MaxAttempts: 4, MinBackoff: time.Second, MaxBackoff: 10 * time.Second}

	t.Run("until success", func(t *testing.T) {
		f := &fakeSleep{}
		var logged []int
		n, err := Do(context.Background(), p, Hooks{Sleep: f.sleep, OnRetry: func(a int, _ time.Duration, _ error) { logged = append(logged, a) }},
			func(attempt int) (bool, error) {
				if attempt < 3 {
					return true, errBusy
				}
				return false, nil
			})
		if n != 3 || err != nil || len(f.waits) != 2 || len(logged) != 2 || logged[1] != 2 {
			t.Errorf("n=%d err=%v waits=%v logged=%v", n, err, f.waits, logged)
		}
		if f.waits[0] < 500*time.Millisecond || f.waits[0] > time.Second || f.waits[1] < time.Second || f.waits[1] > 2*time.Second {
			t.Errorf("waits %v do not follow the backoff", f.waits)
		}
	})
	t.Run("attempts run out", func(t *testing.T) {
		f := &fakeSleep{}
		n, err := Do(context.Background(), p, Hooks{Sleep: f.sleep}, func(int) (bool, error) { return true, errBusy })
		if n != 4 || !errors.Is(err, errBusy) || len(f.waits) != 3 {
			t.Errorf("n=%d err=%v waits=%v", n, err, f.waits)
		}
	})
	t.Run("permanent failure", func(t *testing.T) {
		f := &fakeSleep{}
		n, err := Do(context.Background(), p, Hooks{Sleep: f.sleep}, func(int) (bool, error) { return false, errBusy })
		if n != 1 || !errors.Is(err, errBusy) || len(f.waits) != 0 {
			t.Errorf("n=%d err=%v waits=%v", n, err, f.waits)
		}
	})
	t.Run("no wait beyond the deadline", func(t *testing.T) {
		f := &fakeSleep{}
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		long := Policy{MinBackoff: 2 * time.Hour, MaxBackoff: 2 * time.Hour}
		n, err := Do(ctx, long, Hooks{Sleep: f.sleep}, func(int) (bool, error) { return true, errBusy })
		if n != 1 || !errors.Is(err, errBusy) || len(f.waits) != 0 {
			t.Errorf("n=%d err=%v waits=%v: a wait that outlasts the context must not start", n, err, f.waits)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		n, err := Do(ctx, Policy{MinBackoff: time.Hour, MaxBackoff: time.Hour}, Hooks{}, func(int) (bool, error) {
			cancel()
			return true, errBusy
		})
		if n != 1 || !errors.Is(err, errBusy) {
			t.Errorf("n=%d err=%v", n, err)
		}
	})
	t.Run("real wait honours the context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := Wait(ctx, time.Hour); !errors.Is(err, context.Canceled) {
			t.Errorf("Wait = %v", err)
		}
	})
}

func TestPolicyValidate(t *testing.T) {
	for _, bad := range []Policy{{}, {MaxAttempts: 1, MinBackoff: -1}, {MaxAttempts: 2, MinBackoff: 2, MaxBackoff: 1}} {
		if bad.Validate("WithRetry") == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if err := (Policy{MaxAttempts: 1}).Validate("WithRetry"); err != nil {
		t.Error(err)
	}
}

func TestCheckRetry(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	resp := func(status int, retryAfter string) *http.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	long, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	short, cancel2 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel2()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		safe bool
		resp *http.Response
		err  error
		want bool
	}{
		{"429 on an unsafe call: refused before anything ran", long, false, resp(429, "1"), nil, true},
		{"429 asking five minutes, an hour left: wait", long, true, resp(429, "300"), nil, true},
		{"429 asking five minutes, a minute left: give up", short, true, resp(429, "300"), nil, false},
		{"500 on a safe call", long, true, resp(500, ""), nil, true},
		{"500 on an unsafe call", long, false, resp(500, ""), nil, false},
		{"501", long, true, resp(501, ""), nil, false},
		{"404", long, true, resp(404, ""), nil, false},
		{"transport error on a safe call", long, true, nil, errors.New("connection reset"), true},
		{"transport error on an unsafe call", long, false, nil, errors.New("connection reset"), false},
		{"no call in the context", context.Background(), true, resp(500, ""), nil, false},
	} {
		ctx := tc.ctx
		if tc.name != "no call in the context" {
			ctx = NewCall("test", log, tc.safe).Context(ctx)
		}
		if got, _ := CheckRetry(ctx, tc.resp, tc.err); got != tc.want {
			t.Errorf("%s: retry = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestScrub(t *testing.T) {
	err := &url.Error{Op: "Get", URL: "https://user:secret@api.example/zones?name=x&token=t", Err: errors.New("EOF")}
	if got := Scrub(err); strings.Contains(got, "secret") || strings.Contains(got, "token") || !strings.Contains(got, "api.example/zones") {
		t.Errorf("Scrub = %q", got)
	}
}
