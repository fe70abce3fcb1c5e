package provider

import (
	"fmt"
	"strings"
)

// importHint tells how to bring an object that exists already under
// Terraform's management: the import command and the import block.
func importHint(resourceType, id string) string {
	return fmt.Sprintf("To manage it with this configuration, import it instead of creating it:\n\n"+
		"  terraform import %s.<name> %s\n\nor add an import block:\n\n"+
		"  import {\n    to = %s.<name>\n    id = %q\n  }", resourceType, shellQuote(id), resourceType, id)
}

// shellQuote quotes s for a POSIX shell when it holds anything but safe characters.
func shellQuote(s string) string {
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
