package virtualmin

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
)

// ReplayServer starts a local HTTPS server that answers remote.cgi calls with
// the recorded answers of the named transcripts, in order, for the examples
// (package virtualmin_test). It returns the endpoint, the SHA-256 fingerprint
// of its certificate (to pin) and a function that stops it.
func ReplayServer(files ...string) (endpoint, pin string, stop func()) {
	r := &replayServer{anyProgram: true}
	for _, f := range files {
		tr, err := readTranscript(transcriptPath(f))
		if err != nil {
			panic(err)
		}
		r.script = append(r.script, tr)
	}
	r.srv = httptest.NewTLSServer(http.HandlerFunc(r.serve))
	sum := sha256.Sum256(r.srv.Certificate().Raw)
	return r.srv.URL, hex.EncodeToString(sum[:]), r.srv.Close
}
