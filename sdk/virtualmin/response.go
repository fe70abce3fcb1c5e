package virtualmin

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// This file turns whatever remote.cgi (or miniserv in front of it) answered
// into a *response or an *Error. Success is decided from the body only: the
// server answers HTTP 200 for failed programs, and text/plain for JSON errors.

// maxReasonLen caps Error.Reason; the whole text stays in Error.Output.
const maxReasonLen = 500

// parseResponse classifies one HTTP answer of remote.cgi. It never panics and
// returns exactly one of a non-nil *response or a non-nil *Error.
func parseResponse(server, program string, httpStatus int, header http.Header, body []byte) (resp *response, err error) {
	defer func() {
		// A parser bug must not take the caller down: report it as an
		// unexpected response instead.
		if r := recover(); r != nil {
			resp = nil
			err = &Error{Kind: KindUnexpectedResponse, Server: server, Program: program, HTTPStatus: httpStatus,
				Reason: fmt.Sprintf("could not parse the response: %v", r), Output: clip(string(redactBody(body)))}
		}
	}()
	p := parser{server: server, program: program, status: httpStatus, header: header, body: body}
	return p.parse()
}

type parser struct {
	server  string
	program string
	status  int
	header  http.Header
	body    []byte
}

func (p *parser) fail(kind ErrorKind, reason, output string) *Error {
	return &Error{
		Kind:       kind,
		Server:     p.server,
		Program:    p.program,
		Reason:     clipReason(redactText(reason)),
		Output:     clip(redactText(output)),
		HTTPStatus: p.status,
	}
}

func (p *parser) parse() (*response, error) {
	body := bytes.TrimPrefix(p.body, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(body)
	text := string(trimmed)

	switch {
	case p.status == http.StatusUnauthorized:
		return nil, p.fail(KindAuth, "the server refused the credentials (HTTP 401); check the user name and password "+
			"(five failures in a row block this client's address for about 60 s)", htmlText(text))
	case p.status == http.StatusForbidden:
		why := htmlTitle(text)
		if why == "" {
			why = "access denied"
		}
		return nil, p.fail(KindBlocked, why+" (HTTP 403); Webmin blocks an address after repeated failed logins: "+
			"wait about 60 s before calling again, and fix the credentials first", htmlText(text))
	case p.status >= 300 && p.status < 400:
		loc := p.header.Get("Location")
		reason := fmt.Sprintf("the server redirected the call (HTTP %d) to %q", p.status, loc)
		if strings.HasPrefix(strings.ToLower(loc), "https:") {
			reason += "; it was probably sent over plain HTTP: use an https:// endpoint"
		} else {
			reason += "; check the endpoint (it must be the Webmin port, https://host:10000)"
		}
		return nil, p.fail(KindTransient, reason, text)
	case p.status >= 500:
		return nil, p.fail(KindTransient, fmt.Sprintf("server error (HTTP %d)", p.status), htmlText(text))
	case p.status != 0 && (p.status < 200 || p.status >= 300):
		return nil, p.fail(KindUnexpectedResponse, fmt.Sprintf("unexpected HTTP status %d", p.status), htmlText(text))
	}

	switch {
	case len(trimmed) == 0:
		return nil, p.fail(KindUnexpectedResponse, "the server sent an empty body", "")
	case trimmed[0] == '{':
		return p.parseJSON(trimmed)
	case bytes.HasPrefix(trimmed, []byte("<api")) || bytes.HasPrefix(trimmed, []byte("<?xml")):
		return p.parseXML(trimmed)
	case trimmed[0] == '<':
		return nil, p.parseHTML(text)
	case strings.HasPrefix(text, "ERROR:"):
		return nil, p.refusal(strings.TrimSpace(strings.TrimPrefix(firstLine(text), "ERROR:")), text)
	case strings.HasPrefix(text, "This CGI is designed to be invoked"):
		return nil, p.fail(KindUnexpectedResponse, "remote.cgi saw no program parameter "+
			"(the request body must be application/x-www-form-urlencoded)", text)
	}
	if out, code, ok := splitExitStatus(string(body)); ok {
		return p.fromText(out, code)
	}
	return nil, p.fail(KindUnexpectedResponse, "the response matched no format remote.cgi produces: "+firstLine(text), text)
}

// refusal maps the plain "ERROR: ..." answers remote.cgi gives before any
// program runs.
func (p *parser) refusal(msg, output string) *Error {
	switch {
	case strings.Contains(msg, "not allowed to run remote commands"):
		return p.fail(KindNotPermitted, msg+" (the Webmin user must be a Virtualmin master admin, "+
			"or have the remote_api capability for this program)", output)
	case strings.Contains(msg, "Remote program") && strings.Contains(msg, "does not exist"),
		strings.Contains(msg, "Invalid remote program name"):
		return p.fail(KindUnknownProgram, msg, output)
	}
	return p.fail(classify(p.program, msg, false), msg, output)
}

// parseHTML handles the Webmin pages that can answer instead of remote.cgi.
func (p *parser) parseHTML(text string) *Error {
	lower := strings.ToLower(text)
	if strings.Contains(lower, "session_login.cgi") || strings.Contains(lower, "<title>login to webmin") {
		return p.fail(KindAuth, "the server answered with its login page: check the user name and password, "+
			"and that the Webmin user may use basic authentication", "")
	}
	msg := ""
	if m := reFatalError.FindStringSubmatch(text); m != nil {
		msg = cleanHTML(m[1])
	}
	if msg == "" {
		what := "an HTML page"
		if t := htmlTitle(text); t != "" {
			what += " (" + t + ")"
		}
		return p.fail(KindUnexpectedResponse, "the server answered with "+what+
			" instead of a remote.cgi result; check the endpoint", htmlText(text))
	}
	if strings.Contains(msg, "Access denied") || strings.Contains(msg, "not allowed") {
		return p.fail(KindNotPermitted, msg, htmlText(text))
	}
	return p.fail(KindFailed, msg, htmlText(text))
}

var (
	reFatalError = regexp.MustCompile(`(?s)<h[1-6][^>]*data-fatal-error-text[^>]*>(.*?)</h[1-6]>`)
	reTitle      = regexp.MustCompile(`(?is)<title>(.*?)</title>`)
	reTag        = regexp.MustCompile(`<[^>]*>`)
	reExitStatus = regexp.MustCompile(`(?:^|\n)Exit status: (-?\d+)\s*$`)
	reStyle      = regexp.MustCompile(`(?is)<(style|script)[^>]*>.*?</(style|script)>`)
)

func htmlTitle(text string) string {
	m := reTitle.FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	t := cleanHTML(m[1])
	// "403 — Access denied for ..." → "Access denied for ..."
	if i := strings.Index(t, "— "); i >= 0 && i < 12 {
		t = strings.TrimSpace(t[i+len("— "):])
	}
	return t
}

func cleanHTML(s string) string {
	s = reTag.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	return strings.Join(strings.Fields(s), " ")
}

// htmlText reduces an HTML page to its visible text, for Error.Output.
func htmlText(s string) string {
	if !strings.HasPrefix(s, "<") {
		return s
	}
	s = reStyle.ReplaceAllString(s, "")
	return cleanHTML(s)
}

// splitExitStatus splits text-mode output from its "Exit status: N" trailer.
func splitExitStatus(s string) (out string, code int, ok bool) {
	s = strings.TrimRight(s, "\r\n\t ")
	loc := reExitStatus.FindStringSubmatchIndex(s)
	if loc == nil {
		return "", 0, false
	}
	n, err := strconv.Atoi(s[loc[2]:loc[3]])
	if err != nil {
		return "", 0, false
	}
	return s[:loc[0]], n, true
}

// fromText handles text mode: N is Perl's raw wait status, so the exit code is
// N>>8 (256 means exit 1).
func (p *parser) fromText(out string, status int) (*response, error) {
	lines, warnings := splitWarnings(out)
	if status == 0 {
		return &response{Program: p.program, Output: strings.Join(lines, "\n"), Warnings: warnings}, nil
	}
	return nil, p.programFailure(firstMeaningful(lines), out)
}

type jsonEnvelope struct {
	Command   string          `json:"command"`
	Status    json.RawMessage `json:"status"`
	Error     string          `json:"error"`
	FullError string          `json:"full_error"`
	Output    *string         `json:"output"`
	Data      json.RawMessage `json:"data"`
}

// fastEnvelope decodes the usual success shape in one pass: data elements are
// objects whose values are lists of strings.
type fastEnvelope struct {
	Status string  `json:"status"`
	Output *string `json:"output"`
	Data   []struct {
		Name   *string             `json:"name"`
		Value  *string             `json:"value"`
		Values map[string][]string `json:"values"`
	} `json:"data"`
}

// parseFastJSON handles a success answer in the usual shape; ok is false
// when the body needs the general path.
func (p *parser) parseFastJSON(body []byte) (*response, bool) {
	var env fastEnvelope
	if json.Unmarshal(body, &env) != nil || env.Status != "success" {
		return nil, false
	}
	resp := &response{Program: p.program}
	if env.Output != nil {
		lines, warnings := splitWarnings(*env.Output)
		resp.Output = strings.Join(lines, "\n")
		resp.Warnings = warnings
	}
	if env.Data != nil {
		resp.Data = make([]item, 0, len(env.Data))
	}
	for _, e := range env.Data {
		if e.Name == nil {
			return nil, false
		}
		if e.Values == nil && e.Value != nil {
			if w, isWarning := p.pairWarning(*e.Name, *e.Value); isWarning {
				resp.Warnings = append(resp.Warnings, w)
				continue
			}
			resp.Data = append(resp.Data, item{Name: *e.Name, Value: *e.Value})
			continue
		}
		resp.Data = append(resp.Data, item{Name: *e.Name, Values: e.Values})
	}
	data, stray := p.joinStrayLines(resp.Data)
	resp.Data = scrubItems(data)
	resp.Warnings = append(resp.Warnings, stray...)
	return resp, true
}

func (p *parser) parseJSON(body []byte) (*response, error) {
	if resp, ok := p.parseFastJSON(body); ok {
		if err := p.checkTableGarbage(resp.Data); err != nil {
			return nil, err
		}
		return resp, nil
	}
	var env jsonEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, p.fail(KindUnexpectedResponse, "the response is not valid JSON: "+err.Error(), string(body))
	}
	var status string
	if len(env.Status) > 0 {
		if err := json.Unmarshal(env.Status, &status); err != nil {
			return nil, p.fail(KindUnexpectedResponse, "the response has a non-string status "+string(env.Status), string(body))
		}
	}
	switch status {
	case "success":
		resp := &response{Program: p.program}
		if env.Output != nil {
			lines, warnings := splitWarnings(*env.Output)
			resp.Output = strings.Join(lines, "\n")
			resp.Warnings = warnings
		}
		if len(env.Data) > 0 && string(env.Data) != "null" {
			items, warnings, err := p.decodeJSONData(env.Data)
			if err != nil {
				return nil, err
			}
			resp.Data = items
			resp.Warnings = append(resp.Warnings, warnings...)
		}
		if err := p.checkTableGarbage(resp.Data); err != nil {
			return nil, err
		}
		return resp, nil
	case "failure":
		out := env.FullError
		if out == "" {
			out = env.Error
		}
		return nil, p.programFailure(env.Error, out)
	case "error":
		return nil, p.refusal(env.Error, env.Error)
	}
	return nil, p.fail(KindUnexpectedResponse, fmt.Sprintf("the response has an unknown status %q", status), string(body))
}

// decodeJSONData reads the data array. Elements are {name, values}, {name,
// value} (get-ssl, and stderr lines the multiline parser mistook for
// key/value pairs), or other shapes (validate-domains, list-bandwidth) whose
// name is kept.
func (p *parser) decodeJSONData(raw json.RawMessage) ([]item, []string, error) {
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, nil, p.fail(KindUnexpectedResponse, "the response data is not a list: "+err.Error(), string(raw))
	}
	items := make([]item, 0, len(elems))
	var warnings []string
	for _, e := range elems {
		var s string
		if json.Unmarshal(e, &s) == nil {
			items = append(items, item{Name: s})
			continue
		}
		var obj struct {
			Name   *string                    `json:"name"`
			Value  *string                    `json:"value"`
			Values map[string]json.RawMessage `json:"values"`
		}
		if err := json.Unmarshal(e, &obj); err != nil || obj.Name == nil {
			return nil, nil, p.fail(KindUnexpectedResponse, "a data element has no name", string(raw))
		}
		if obj.Values == nil && obj.Value != nil {
			if w, ok := p.pairWarning(*obj.Name, *obj.Value); ok {
				warnings = append(warnings, w)
				continue
			}
			items = append(items, item{Name: *obj.Name, Value: *obj.Value})
			continue
		}
		it := item{Name: *obj.Name}
		if obj.Values != nil {
			it.Values = make(map[string][]string, len(obj.Values))
			for k, v := range obj.Values {
				vals, ok := stringList(v)
				if !ok {
					return nil, nil, p.fail(KindUnexpectedResponse, "data value "+k+" is not a list of strings", string(raw))
				}
				it.Values[k] = vals
			}
		}
		items = append(items, it)
	}
	items, stray := p.joinStrayLines(items)
	return scrubItems(items), append(warnings, stray...), nil
}

// joinStrayLines puts back together an object that a line the program
// printed amid it ("Failed to find mount point for /home/x",
// docs/virtualmin-api.md) split in two: remote.cgi took the line for the
// next object's name and gave it the rest of the object's values. The line
// is returned as a warning. No domain, user, database, plan or record name
// holds a space; such a line does.
func (p *parser) joinStrayLines(items []item) ([]item, []string) {
	if !isListProgram(p.program) {
		return items, nil
	}
	var warnings []string
	out := items[:0]
	for _, it := range items {
		prev := len(out) - 1
		if prev >= 0 && out[prev].Values != nil && len(it.Values) > 0 && strings.Contains(strings.TrimSpace(it.Name), " ") {
			warnings = append(warnings, it.Name)
			for k, v := range it.Values {
				out[prev].Values[k] = append(out[prev].Values[k], v...)
			}
			continue
		}
		out = append(out, it)
	}
	return out, warnings
}

// pairWarning recognises a top-level {name, value} pair that is really a
// stderr line: "[26/Nov/2026:10:30:07 +0000] ..." split at its first colon.
// In list programs every such pair is noise (their data are objects).
func (p *parser) pairWarning(name, value string) (string, bool) {
	if strings.HasPrefix(name, "[") || isListProgram(p.program) {
		return name + ":" + value, true
	}
	return "", false
}

func isListProgram(program string) bool {
	return strings.HasPrefix(program, "list-") || program == "get-dns"
}

// stringList accepts a JSON list of strings, or a lone string or number (as
// some converters emit), as a list of strings.
func stringList(raw json.RawMessage) ([]string, bool) {
	var l []string
	if json.Unmarshal(raw, &l) == nil {
		return l, true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{s}, true
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return []string{n.String()}, true
	}
	var anyList []any
	if json.Unmarshal(raw, &anyList) == nil {
		out := make([]string, 0, len(anyList))
		for _, a := range anyList {
			switch v := a.(type) {
			case string:
				out = append(out, v)
			case float64, bool:
				out = append(out, fmt.Sprint(v))
			default:
				return nil, false
			}
		}
		return out, true
	}
	return nil, false
}

// checkTableGarbage recognises the text table a list program prints when it
// was called without multiline= (each table row became an item).
func (p *parser) checkTableGarbage(items []item) error {
	for _, it := range items {
		if len(it.Values) == 0 && reTableRule.MatchString(it.Name) {
			return p.fail(KindUnexpectedResponse, "the server returned a text table instead of objects "+
				"(a list program called without multiline=)", "")
		}
	}
	return nil
}

var reTableRule = regexp.MustCompile(`^-{3,}(\s+-{3,})*\s*$`)

// xmlAPI is XML::Simple's rendering of the same envelope: scalars are
// attributes of <api>, data entries are elements.
type xmlAPI struct {
	XMLName   xml.Name  `xml:"api"`
	Command   string    `xml:"command,attr"`
	Status    string    `xml:"status,attr"`
	Error     string    `xml:"error,attr"`
	FullError string    `xml:"full_error,attr"`
	Output    *string   `xml:"output,attr"`
	Data      []xmlData `xml:"data"`
}

type xmlData struct {
	Name   string  `xml:"name,attr"`
	Value  *string `xml:"value,attr"`
	Values *struct {
		Fields []struct {
			XMLName xml.Name
			Text    string `xml:",chardata"`
		} `xml:",any"`
	} `xml:"values"`
}

func (p *parser) parseXML(body []byte) (*response, error) {
	var api xmlAPI
	if err := xml.Unmarshal(body, &api); err != nil {
		return nil, p.fail(KindUnexpectedResponse, "the response is not valid XML: "+err.Error(), string(body))
	}
	switch api.Status {
	case "success":
		resp := &response{Program: p.program}
		if api.Output != nil {
			lines, warnings := splitWarnings(*api.Output)
			resp.Output = strings.Join(lines, "\n")
			resp.Warnings = warnings
		}
		for _, d := range api.Data {
			if d.Values == nil && d.Value != nil {
				if w, ok := p.pairWarning(d.Name, *d.Value); ok {
					resp.Warnings = append(resp.Warnings, w)
					continue
				}
				resp.Data = append(resp.Data, item{Name: d.Name, Value: *d.Value})
				continue
			}
			it := item{Name: d.Name, Values: map[string][]string{}}
			if d.Values != nil {
				for _, f := range d.Values.Fields {
					it.Values[f.XMLName.Local] = append(it.Values[f.XMLName.Local], f.Text)
				}
			}
			resp.Data = append(resp.Data, it)
		}
		resp.Data = scrubItems(resp.Data)
		if err := p.checkTableGarbage(resp.Data); err != nil {
			return nil, err
		}
		return resp, nil
	case "failure":
		out := api.FullError
		if out == "" {
			out = api.Error
		}
		return nil, p.programFailure(api.Error, out)
	case "error":
		return nil, p.refusal(api.Error, api.Error)
	}
	return nil, p.fail(KindUnexpectedResponse, fmt.Sprintf("the response has an unknown status %q", api.Status), string(body))
}

// scrubItems removes secret values (password_for_mysql, hashed_password,
// encrypted_password, ...) from parsed data, so no response carries them.
func scrubItems(items []item) []item {
	for i := range items {
		for k := range items[i].Values {
			if isSecretKey(k) {
				delete(items[i].Values, k)
			}
		}
		if isSecretKey(items[i].Name) && items[i].Value != "" {
			items[i].Value = redacted
		}
	}
	return items
}

// programFailure builds the error of a program that ran and exited non-zero.
// first is the server's "error" (the first non-blank line); out is the whole
// output.
func (p *parser) programFailure(first, out string) *Error {
	reason := failureReason(p.program, first, out)
	usage := hasUsage(p.program, out)
	e := p.fail(classify(p.program, reason, usage), reason, out)
	return e
}

// reWarning matches the timestamped stderr lines Webmin prints
// ("[26/Nov/2026:09:55:49 +0000] [127.0.0.1] ... Failed to ...").
var reWarning = regexp.MustCompile(`^\[\d{1,2}/[A-Za-z]{3}/\d{4}:\d{2}:\d{2}:\d{2}[^\]]*\]`)

func isWarningLine(l string) bool { return reWarning.MatchString(strings.TrimSpace(l)) }

// splitWarnings separates stderr warning lines from the program's output.
func splitWarnings(out string) (lines, warnings []string) {
	all := strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n")
	lines = make([]string, 0, len(all))
	for _, l := range all {
		if isWarningLine(l) {
			warnings = append(warnings, strings.TrimSpace(l))
			continue
		}
		lines = append(lines, l)
	}
	// Keep the trailing newline convention of the original output.
	return lines, warnings
}

// hasUsage reports whether out contains the program's usage text, which
// &usage() prints after the message of a rejected invocation.
func hasUsage(program, out string) bool {
	if program != "" && strings.Contains(out, "\nvirtualmin "+program) {
		return true
	}
	return reUsage.MatchString(out)
}

var reUsage = regexp.MustCompile(`\n\s*virtualmin [a-z0-9-]+ (\[?--|\[)`)

// failureReason finds the line that says why a program failed.
func failureReason(program, first, out string) string {
	lines, _ := splitWarnings(out)
	if program == "validate-domains" {
		if r := validateProblems(lines); r != "" {
			return r
		}
	}
	// create-domain's warning block (exit 5 without --skip-warnings): the
	// header, then one indented line per problem.
	if r := warningBlock(lines); r != "" {
		return r
	}
	// Webmin's error() in command-line mode prints "Error\n-----\n<msg>\n-----".
	if r := errorBlock(lines); r != "" {
		return cleanReason(r)
	}
	if hasUsage(program, out) {
		// &usage("message"): the message comes first, the usage text after.
		if f := firstMeaningful(lines); f != "" {
			return cleanReason(f)
		}
	}
	// A step that failed says so on its own line (".. failed : Web-based
	// validation failed : ..."), and remarks may follow it: every such line
	// is the cause, not the last line.
	if r := failedLines(lines); r != "" {
		return r
	}
	// Otherwise the cause is the last meaningful line; progress lines
	// ("Beginning server creation ..") come first.
	meaningful := make([]string, 0, len(lines))
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || t == "-----" || reCompleted.MatchString(t) || t == ".. done" {
			continue
		}
		meaningful = append(meaningful, t)
	}
	if len(meaningful) == 0 {
		if isWarningLine(first) || strings.TrimSpace(first) == "" {
			return "the program failed without saying why"
		}
		return cleanReason(first)
	}
	last := meaningful[len(meaningful)-1]
	if strings.HasPrefix(last, "..") && len(meaningful) >= 2 {
		// ".. none of the certificate names could be resolved!" only makes
		// sense after its progress line.
		prev := strings.TrimSpace(strings.TrimSuffix(meaningful[len(meaningful)-2], ".."))
		msg := cleanReason(last)
		if prev != "" && len(prev) <= 80 && !strings.HasPrefix(prev, "..") {
			return prev + ": " + msg
		}
		return msg
	}
	return cleanReason(last)
}

// failedLines joins the lines that report a failed step ("X failed : why"),
// or returns "". A Python traceback after such a line (the ACME client's) is
// replaced by its exception, whose last line says why.
func failedLines(lines []string) string {
	var out []string
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if !strings.Contains(t, "failed :") {
			continue
		}
		r := cleanReason(t)
		const tb = "Traceback (most recent call last):"
		if strings.HasSuffix(r, tb) {
			r = strings.TrimSpace(strings.TrimSuffix(r, tb))
			if cause := tracebackCause(lines[i+1:]); cause != "" {
				r += " " + cause
			}
		}
		out = append(out, r)
	}
	return strings.Join(out, "; ")
}

// tracebackCause returns the exception at the end of a Python traceback (the
// frames are indented, the exception is not): its first line, and its last
// when it has several.
func tracebackCause(lines []string) string {
	var exc []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		indented := strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")
		switch {
		case t == "" || (indented && len(exc) > 0):
			if len(exc) > 0 {
				goto done
			}
		case !indented:
			exc = append(exc, t)
		}
	}
done:
	switch len(exc) {
	case 0:
		return ""
	case 1:
		return exc[0]
	}
	return exc[0] + " … " + exc[len(exc)-1]
}

var reCompleted = regexp.MustCompile(`^\.\. completed in \d+ seconds?$`)

// warningBlock summarises "The following possible problems were detected :"
// and the problem lines after it.
func warningBlock(lines []string) string {
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if !strings.HasPrefix(t, "The following possible problems were detected") {
			continue
		}
		var problems []string
		for _, p := range lines[i+1:] {
			p = strings.TrimSpace(p)
			if p == "" {
				if len(problems) > 0 {
					break
				}
				continue
			}
			problems = append(problems, p)
		}
		return strings.TrimSpace(strings.TrimSuffix(t, ":")) + ": " + strings.Join(problems, "; ") +
			" (the server refuses to go on unless warnings are skipped)"
	}
	return ""
}

// errorBlock returns the message of the last "Error / ----- / msg / -----" block.
func errorBlock(lines []string) string {
	for i := len(lines) - 3; i >= 0; i-- {
		if strings.TrimSpace(lines[i]) == "Error" && strings.TrimSpace(lines[i+1]) == "-----" {
			var msg []string
			for j := i + 2; j < len(lines) && strings.TrimSpace(lines[j]) != "-----"; j++ {
				if t := strings.TrimSpace(lines[j]); t != "" {
					msg = append(msg, t)
				}
			}
			return strings.Join(msg, " ")
		}
	}
	return ""
}

// validateProblems summarises validate-domains output: a domain name on an
// unindented line, then "    <Feature> : <message>" lines.
func validateProblems(lines []string) string {
	var problems []string
	dom := ""
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "\t") {
			dom = strings.TrimSpace(l)
			continue
		}
		t := strings.TrimSpace(l)
		if dom == "" || !strings.Contains(t, " : ") || t == "All features are good" {
			continue
		}
		problems = append(problems, dom+": "+t)
	}
	return strings.Join(problems, "; ")
}

func firstMeaningful(lines []string) string {
	for _, l := range lines {
		if t := strings.TrimSpace(l); t != "" && !isWarningLine(t) {
			return t
		}
	}
	return ""
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}

// cleanReason removes progress decoration and markup from a reason line.
func cleanReason(s string) string {
	s = strings.TrimSpace(s)
	for {
		t := strings.TrimSpace(strings.TrimPrefix(s, ".."))
		t = strings.TrimPrefix(t, "ERROR: ")
		t = strings.TrimPrefix(t, "failed : ")
		if t == s {
			break
		}
		s = t
	}
	if strings.ContainsAny(s, "<&") {
		s = cleanHTML(s)
	}
	return strings.TrimSpace(s)
}

func clipReason(s string) string {
	if len(s) <= maxReasonLen {
		return s
	}
	return s[:maxReasonLen] + "…"
}

// maxOutputLen caps Error.Output (info answers 45 KB).
const maxOutputLen = 64 << 10

func clip(s string) string {
	if len(s) <= maxOutputLen {
		return s
	}
	return s[:maxOutputLen] + "\n[truncated]"
}

// classify maps a failure reason to a Kind. usage tells whether the program
// printed its usage text (a rejected invocation).
func classify(program, reason string, usage bool) ErrorKind {
	r := strings.ToLower(reason)
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(r, s) {
				return true
			}
		}
		return false
	}
	switch {
	case program == "validate-domains":
		return KindFailed
	case has("you are not allowed to run this command", "not allowed to run remote commands",
		"only sub-servers can be created"):
		return KindNotPermitted
	case has("dbi connect failed", "can't connect to local server", "can't connect to mysql server",
		"failed to lock file"):
		// A backend the program needs is down or busy. The program ran and
		// failed, so this is not a transient transport failure (a write
		// must not be reported as of unknown outcome); the Reason says which
		// backend.
		return KindFailed
	case has("possible problems were detected", "is already disabled", "is not disabled", "does not have dns enabled", "does not have a dns domain"):
		return KindFailed
	case has("already hosting this domain", "already exists", "already associated"):
		return KindAlreadyExists
	case has("does not exist", "no user named", "is not associated with this server", "no virtual server named",
		"does not have an ssl cert", "none of the specified virtual servers"):
		return KindNotFound
	case has("unknown parameter", "missing ", "must be a number", "cannot include", "consecutive dots",
		"invalid ", "is not valid", "must come after", "option is not available", "only the following php version",
		"cannot be used with", "no quota specified", "is not enabled in this virtual server",
		"no virtual server features enabled"):
		return KindInvalidInput
	case usage:
		return KindInvalidInput
	}
	return KindFailed
}
