package ssh

import (
	"sort"
	"strings"
)

// Quote quotes s for a POSIX shell (sh, dash, bash, zsh): the result is one
// word whose value is exactly s, whatever s holds (quotes, ;, $(), backticks,
// globs, spaces, newlines). It wraps s in single quotes, inside which the
// shell interprets nothing, and writes each single quote as the four bytes
// quote, backslash, quote, quote (close, escaped quote, reopen). A NUL byte
// cannot be passed to a remote command at all; Run and Upload refuse it.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// QuoteArgs quotes each argument with Quote and joins them with spaces: a
// command line whose words are exactly args.
func QuoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = Quote(a)
	}
	return strings.Join(q, " ")
}

// redactedMark replaces a secret in logs, errors and output tails.
const redactedMark = "[REDACTED]"

// Redact replaces every occurrence of each non-empty secret in s with
// "[REDACTED]", longest secrets first (so that a secret containing another
// is hidden whole).
func Redact(s string, secrets []string) string {
	for _, sec := range sortedSecrets(secrets) {
		s = strings.ReplaceAll(s, sec, redactedMark)
	}
	return s
}

func sortedSecrets(secrets []string) []string {
	out := make([]string, 0, len(secrets))
	for _, s := range secrets {
		if s != "" {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// tailBuffer keeps the last size bytes written to it (stdout and stderr
// interleaved as received) plus enough more to recognise a secret that
// straddles the cut, so that no fragment of a secret survives redaction.
type tailBuffer struct {
	size    int
	secrets []string
	keep    int
	buf     []byte
	total   int64
}

func newTailBuffer(size int, secrets []string) *tailBuffer {
	secrets = sortedSecrets(secrets)
	longest := 0
	if len(secrets) > 0 {
		longest = len(secrets[0])
	}
	return &tailBuffer{size: size, secrets: secrets, keep: size + longest}
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.total += int64(len(p))
	if len(p) >= t.keep {
		t.buf = append(t.buf[:0], p[len(p)-t.keep:]...)
		return len(p), nil
	}
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.keep; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// String returns the last size bytes with every secret replaced. Secrets are
// found in the longer kept buffer first; bytes before the window are dropped
// afterwards, so a secret cut by the window is hidden too.
func (t *tailBuffer) String() string {
	raw := t.buf
	mask := make([]bool, len(raw))
	for _, sec := range t.secrets {
		for from := 0; from < len(raw); {
			i := strings.Index(string(raw[from:]), sec)
			if i < 0 {
				break
			}
			for j := from + i; j < from+i+len(sec); j++ {
				mask[j] = true
			}
			from += i + 1
		}
	}
	start := 0
	if len(raw) > t.size {
		start = len(raw) - t.size
	}
	if t.total > int64(len(raw)) && start < t.keep-t.size {
		// Bytes were dropped: a secret may begin before the buffer, so its
		// visible rest lies in the first keep-size bytes. Skip them.
		start = t.keep - t.size
	}
	var b strings.Builder
	for i := start; i < len(raw); {
		if mask[i] {
			b.WriteString(redactedMark)
			for i < len(raw) && mask[i] {
				i++
			}
			continue
		}
		b.WriteByte(raw[i])
		i++
	}
	return b.String()
}
