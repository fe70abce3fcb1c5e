package cloudflare

import (
	"net/http"
	"testing"
	"time"
)

func TestMorePages(t *testing.T) {
	for _, c := range []struct {
		ri            ResultInfo
		page, got, pp int
		want          bool
	}{
		{ResultInfo{TotalPages: 3}, 1, 3, 3, true},
		{ResultInfo{TotalPages: 3}, 3, 1, 3, false},
		{ResultInfo{TotalPages: 1}, 1, 0, 100, false},
		{ResultInfo{}, 1, 0, 100, false},
		// No total_pages: a full page means maybe more.
		{ResultInfo{}, 1, 100, 100, true},
		{ResultInfo{}, 1, 99, 100, false},
		// per_page capped by Cloudflare below what was asked.
		{ResultInfo{PerPage: 100}, 1, 100, 500, true},
	} {
		if got := morePages(c.ri, c.page, c.got, c.pp); got != c.want {
			t.Errorf("%+v page %d got %d per_page %d: %v", c.ri, c.page, c.got, c.pp, got)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, c := range []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"7", 7 * time.Second, true},
		{"0.5", 500 * time.Millisecond, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"soon", 0, false},
		{"-3", 0, false},
	} {
		h := http.Header{}
		if c.v != "" {
			h.Set("Retry-After", c.v)
		}
		got, ok := parseRetryAfter(h, now)
		if got != c.want || ok != c.ok {
			t.Errorf("%q: %s %v, want %s %v", c.v, got, ok, c.want, c.ok)
		}
	}
}
