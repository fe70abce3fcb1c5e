package virtualmin

import (
	"fmt"
	"strings"

	"golang.org/x/net/idna"
)

// Validation runs before any call, so a bad input never reaches the server
// (and never costs a 2-10 s round trip). The functions are exported so a
// Terraform provider can run the same checks at plan time.

func invalid(field, format string, args ...any) *Error {
	return &Error{Kind: KindInvalidInput, Field: field, Reason: fmt.Sprintf(format, args...)}
}

// idnaProfile converts internationalised names (școală.ro) to the ASCII form
// Virtualmin and DNS use (xn--coal-...), with the registration rules.
var idnaProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.ValidateLabels(true),
	idna.StrictDomainName(false), // underscores are checked below, with a clearer message
	idna.Transitional(false),
)

// ValidateDomainName checks a domain name and returns its lower-case ASCII
// form: an IDN such as "școală.ro" becomes its punycode "xn--coal-3sa77n.ro".
// A trailing dot is removed. It enforces what Virtualmin accepts: letters,
// digits and hyphens per label, no leading or trailing hyphen, no empty label
// (consecutive dots), labels of at most 63 bytes, at most 253 bytes in all,
// and at least two labels.
func ValidateDomainName(name string) (string, error) {
	return validateDomainField("domain", name)
}

func validateDomainField(field, name string) (string, error) {
	n := strings.TrimSpace(name)
	if n != name {
		return "", invalid(field, "domain name %q has leading or trailing spaces", name)
	}
	n = strings.TrimSuffix(n, ".")
	if n == "" {
		return "", invalid(field, "domain name is empty")
	}
	if strings.ContainsAny(n, "\n\r\x00") {
		return "", invalid(field, "domain name contains a control character")
	}
	if strings.Contains(n, "..") {
		return "", invalid(field, "domain name %q contains consecutive dots", name)
	}
	ascii := n
	if !isASCII(n) {
		a, err := idnaProfile.ToASCII(n)
		if err != nil {
			return "", invalid(field, "domain name %q is not a valid internationalised name: %v", name, err)
		}
		ascii = a
	}
	ascii = strings.ToLower(ascii)
	if len(ascii) > 253 {
		return "", invalid(field, "domain name %q is longer than 253 characters", name)
	}
	labels := strings.Split(ascii, ".")
	if len(labels) < 2 {
		return "", invalid(field, "domain name %q needs at least two labels (such as example.com)", name)
	}
	for _, l := range labels {
		switch {
		case l == "":
			return "", invalid(field, "domain name %q has an empty label", name)
		case len(l) > 63:
			return "", invalid(field, "label %q of %q is longer than 63 characters", l, name)
		case l[0] == '-' || l[len(l)-1] == '-':
			return "", invalid(field, "label %q of %q starts or ends with a hyphen", l, name)
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", invalid(field, "domain name %q may contain only letters, digits, hyphens and dots", name)
			}
		}
	}
	return ascii, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// ValidateUsername checks a Unix user name as Virtualmin accepts it for a
// domain owner or a mail/FTP user's short name: 1-32 characters of lower-case
// letters, digits, '.', '_' and '-', starting with a letter, digit or '_'.
func ValidateUsername(name string) error { return validateUsernameField("user", name) }

func validateUsernameField(field, name string) error {
	if name == "" {
		return invalid(field, "user name is empty")
	}
	if len(name) > 32 {
		return invalid(field, "user name %q is longer than 32 characters", name)
	}
	c0 := name[0]
	if !(c0 >= 'a' && c0 <= 'z' || c0 >= '0' && c0 <= '9' || c0 == '_') {
		return invalid(field, "user name %q must start with a lower-case letter, a digit or '_'", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return invalid(field, "user name %q may contain only lower-case letters, digits, '.', '_' and '-'", name)
		}
	}
	return nil
}

// Database types.
const (
	DatabaseMySQL    = "mysql"
	DatabasePostgres = "postgres"
)

// ValidateDatabaseName checks a database name for its type: MySQL/MariaDB
// names are 1-64 characters of lower-case letters, digits and '_';
// PostgreSQL names are 1-63 characters of the same, not starting with a digit.
func ValidateDatabaseName(dbType, name string) error {
	switch dbType {
	case DatabaseMySQL, DatabasePostgres:
	default:
		return invalid("type", "database type %q is not %q or %q", dbType, DatabaseMySQL, DatabasePostgres)
	}
	max := 64
	if dbType == DatabasePostgres {
		max = 63
	}
	if name == "" {
		return invalid("name", "database name is empty")
	}
	if len(name) > max {
		return invalid("name", "database name %q is longer than %d characters", name, max)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return invalid("name", "database name %q may contain only lower-case letters, digits and '_'", name)
		}
	}
	if dbType == DatabasePostgres && name[0] >= '0' && name[0] <= '9' {
		return invalid("name", "PostgreSQL database name %q must not start with a digit", name)
	}
	return nil
}

// ValidatePassword checks a password: not empty, no newline (remote.cgi would
// split it into extra argv words) and no NUL. The error never contains it.
func ValidatePassword(pass string) error { return validatePasswordField("pass", pass) }

func validatePasswordField(field, pass string) error {
	if pass == "" {
		return invalid(field, "password is empty")
	}
	if strings.ContainsAny(pass, "\r\n") {
		return invalid(field, "password contains a line break")
	}
	if strings.ContainsRune(pass, 0) {
		return invalid(field, "password contains a NUL character")
	}
	return nil
}

// ValidatePlanName checks a plan or template name (or ID): not empty, one
// line, no control characters.
func ValidatePlanName(name string) error { return validateLineField("plan", name) }

// ValidateTemplateName is ValidatePlanName for templates.
func ValidateTemplateName(name string) error { return validateLineField("template", name) }

// validateLineField checks a free-text value that must stay on one line.
func validateLineField(field, value string) error {
	if strings.TrimSpace(value) == "" {
		return invalid(field, "%s is empty", field)
	}
	return validateTextField(field, value)
}

// validateTextField allows empty text but no line break or control character.
func validateTextField(field, value string) error {
	for _, r := range value {
		if r == '\n' || r == '\r' || r == 0 || (r < 0x20 && r != '\t') {
			return invalid(field, "%s contains a line break or control character", field)
		}
	}
	return nil
}

// coreFeatures are Virtualmin's own features, the flags create-domain,
// enable-feature and disable-feature take (status only on Virtualmin Pro).
var coreFeatures = map[string]bool{"unix": true, "dir": true, "web": true, "dns": true, "mail": true, "ssl": true,
	"logrotate": true, "mysql": true, "postgres": true, "spam": true, "virus": true, "webalizer": true, "webmin": true,
	"status": true}

// ValidateFeatureName checks that name is a feature: one of Virtualmin's
// (unix, dir, web, dns, mail, ssl, logrotate, mysql, postgres, spam, virus,
// webalizer, webmin, status) or a plugin's ("virtualmin-" and lower-case
// letters, digits and dashes, such as virtualmin-nginx). A feature travels
// as a bare flag among the program's own parameters, so any other name (pass,
// user, domain, ...) would send a parameter the caller never meant to.
func ValidateFeatureName(name string) error {
	if coreFeatures[name] {
		return nil
	}
	plugin, ok := strings.CutPrefix(name, "virtualmin-")
	if ok && plugin != "" && plugin[len(plugin)-1] != '-' && strings.Trim(plugin, "abcdefghijklmnopqrstuvwxyz0123456789-") == "" {
		return nil
	}
	return invalid("features", "%q is not a feature: use one of Virtualmin's (unix, dir, web, dns, mail, ssl, logrotate, "+
		"mysql, postgres, spam, virus, webalizer, webmin, status) or a plugin's (virtualmin-...)", name)
}
