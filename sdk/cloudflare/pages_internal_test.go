package cloudflare

import (
	"testing"
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
