package ssh

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestTailBufferStreams feeds random streams with secrets at random places,
// in random chunk sizes, and checks what the tail promises: no fragment of a
// secret, and the stream's end kept exactly when no secret is near it.
func TestTailBufferStreams(t *testing.T) {
	secrets := []string{"SECRET-ONE-0123456789", "pw-Two-xyz"}
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 2000; iter++ {
		var stream strings.Builder
		for stream.Len() < rng.IntN(400) {
			if rng.IntN(5) == 0 {
				stream.WriteString(secrets[rng.IntN(len(secrets))])
			} else {
				stream.WriteByte(byte('a' + rng.IntN(26)))
			}
		}
		if rng.IntN(2) == 0 {
			stream.WriteString(strings.Repeat(".", 40)) // a clean end
		}
		s := stream.String()
		size := 16 + rng.IntN(64)
		tb := newTailBuffer(size, secrets)
		for rest := s; rest != ""; {
			n := min(len(rest), 1+rng.IntN(30))
			_, _ = tb.Write([]byte(rest[:n]))
			rest = rest[n:]
		}
		got := tb.String()
		for _, sec := range secrets {
			for i := 0; i+4 <= len(sec); i++ {
				if strings.Contains(got, sec[i:i+4]) {
					t.Fatalf("stream %q, size %d: tail %q holds %q", s, size, got, sec[i:i+4])
				}
			}
		}
		if strings.HasSuffix(s, strings.Repeat(".", 40)) && !strings.HasSuffix(got, strings.Repeat(".", min(size, 40))) {
			t.Fatalf("stream %q, size %d: tail %q lost the clean end", s, size, got)
		}
		// Adjacent secrets show as one mark in the tail.
		want := Redact(s, secrets)
		for strings.Contains(want, redactedMark+redactedMark) {
			want = strings.ReplaceAll(want, redactedMark+redactedMark, redactedMark)
		}
		if len(s) <= size && got != want {
			t.Fatalf("short stream %q: tail %q, want %q", s, got, want)
		}
	}
}

func TestRedact(t *testing.T) {
	got := Redact("a pass password b", []string{"pass", "password", ""})
	if got != "a [REDACTED] [REDACTED] b" {
		t.Errorf("Redact = %q", got)
	}
}

func TestMergeTails(t *testing.T) {
	for _, tc := range []struct {
		combined, stderr string
		size             int
		want             string
	}{
		{"a\nb\nERR\n", "ERR\n", 64, "a\nb\nERR\n"},                  // in order: unchanged
		{"a\nERR\nb\nc\n", "ERR\n", 64, "a\nb\nc\nERR\n"},            // moved to the end
		{"x\ny\nz\n", "ERR\n", 64, "x\ny\nz\nERR\n"},                 // pushed out: appended
		{"out only\n", "", 64, "out only\n"},                         // no stderr
		{"0123456789abcdef", "E1\nE2\n", 16, "6789abcdef\nE1\nE2\n"}, // trimmed to fit
	} {
		if got := mergeTails(tc.combined, tc.stderr, tc.size); got != tc.want {
			t.Errorf("mergeTails(%q, %q, %d) = %q, want %q", tc.combined, tc.stderr, tc.size, got, tc.want)
		}
	}
}
