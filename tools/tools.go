//go:build tools

// Package tools pins the versions of the build tools the project runs with
// "go run" (see GNUmakefile), so that go.sum covers them.
package tools

import (
	// Documentation generation.
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"
)
