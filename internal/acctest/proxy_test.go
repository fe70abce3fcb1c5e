package acctest

import (
	"testing"
	"time"
)

func TestCallsSince(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	c := &CallCounter{calls: []call{
		{kind: "GET zone", start: at(0), end: at(5)}, // before the mark
	}}
	m := c.Mark()
	c.calls = append(c.calls,
		call{kind: "PATCH zone", start: at(10), end: at(20), nbytes: 3},
		call{kind: "PATCH zone", start: at(15), end: at(30)}, // overlaps the first
		call{kind: "GET zone", start: at(40), end: at(45), nbytes: 7},
		call{kind: "PATCH zone", start: at(50), end: at(52)},
	)
	got := c.Since(m)
	if got.Total != 4 || got.Bytes != 10 || got.String() != "GET zone=1 PATCH zone=3" {
		t.Fatalf("Since = %d calls, %d bytes, %q", got.Total, got.Bytes, got.String())
	}
	if want := 27 * time.Millisecond; got.Busy != want { // 10-30, 40-45, 50-52
		t.Errorf("Busy = %v, want %v", got.Busy, want)
	}
	if !got.First.Equal(at(10)) || !got.Last.Equal(at(52)) {
		t.Errorf("First, Last = %v, %v", got.First, got.Last)
	}
	patch := got.Kinds[1]
	if patch.Kind != "PATCH zone" || patch.Count != 3 || patch.Busy != 22*time.Millisecond || patch.Sum != 27*time.Millisecond {
		t.Errorf("PATCH zone = %+v, want 3 calls, 22ms busy, 27ms summed", patch)
	}
	if empty := c.Since(c.Mark()); empty.Total != 0 || empty.Busy != 0 {
		t.Errorf("no calls: %+v", empty)
	}
}

func TestMostAtOnce(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	span := func(from, to int) Span {
		return Span{Start: t0.Add(time.Duration(from) * time.Second), End: t0.Add(time.Duration(to) * time.Second)}
	}
	for _, tc := range []struct {
		name  string
		spans []Span
		want  int
	}{
		{"none", nil, 0},
		{"one after another, touching", []Span{span(0, 1), span(1, 2), span(2, 3)}, 1},
		{"three overlapping in the middle", []Span{span(0, 4), span(1, 3), span(2, 5), span(6, 7)}, 3},
	} {
		if got := MostAtOnce(tc.spans); got != tc.want {
			t.Errorf("%s: MostAtOnce = %d, want %d", tc.name, got, tc.want)
		}
	}
}
