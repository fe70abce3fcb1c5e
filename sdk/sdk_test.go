// Package sdk_test holds the checks that apply to every package of the SDK.
package sdk_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/praho/terraform-provider-praho/sdk/cloudflare"
	"github.com/praho/terraform-provider-praho/sdk/powerdns"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// TestGoDocHasNoUndocumentedNames keeps `go doc` of every SDK package free of
// undocumented exported names: each exported constant, variable, type,
// function and method (of an exported type) says what it is, in a comment of
// its own or of its group.
func TestGoDocHasNoUndocumentedNames(t *testing.T) {
	var dirs []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() {
			dirs = append(dirs, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, dir := range dirs {
		pkg := parsePackage(t, dir)
		if pkg == nil || pkg.Name == "main" {
			continue
		}
		checked++
		for _, name := range undocumented(pkg) {
			t.Errorf("%s: %s has no doc comment", dir, name)
		}
	}
	if checked < 10 {
		t.Fatalf("only %d packages checked: the walk missed the SDK", checked)
	}
}

// parsePackage returns the documentation of the package in dir (its non-test
// files), or nil when there is none.
func parsePackage(t *testing.T, dir string) *doc.Package {
	t.Helper()
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil
	}
	p, err := doc.NewFromFiles(fset, files, "github.com/praho/terraform-provider-praho/sdk/"+filepath.ToSlash(dir))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// undocumented lists the exported names of p that go doc shows without a
// comment.
func undocumented(p *doc.Package) []string {
	var out []string
	if strings.TrimSpace(p.Doc) == "" {
		out = append(out, "package "+p.Name)
	}
	values := func(vs []*doc.Value) {
		for _, v := range vs {
			if strings.TrimSpace(v.Doc) != "" {
				continue
			}
			// A group without a doc comment needs a comment on each name.
			for _, spec := range v.Decl.Specs {
				vs := spec.(*ast.ValueSpec)
				for _, n := range vs.Names {
					if n.IsExported() && vs.Doc == nil && vs.Comment == nil {
						out = append(out, n.Name)
					}
				}
			}
		}
	}
	funcs := func(prefix string, fs []*doc.Func) {
		for _, f := range fs {
			if ast.IsExported(f.Name) && strings.TrimSpace(f.Doc) == "" {
				out = append(out, prefix+f.Name)
			}
		}
	}
	values(p.Consts)
	values(p.Vars)
	funcs("", p.Funcs)
	for _, typ := range p.Types {
		if strings.TrimSpace(typ.Doc) == "" {
			out = append(out, "type "+typ.Name)
		}
		values(typ.Consts)
		values(typ.Vars)
		funcs("", typ.Funcs)
		funcs(typ.Name+".", typ.Methods)
	}
	return out
}

// TestNilOptionsIgnored: every constructor of the SDK skips a nil option, so
// that options can be chosen with a conditional expression.
func TestNilOptionsIgnored(t *testing.T) {
	if _, err := virtualmin.NewClient("vm1.example.test", nil, virtualmin.WithRateLimit(0, 0), nil); err != nil {
		t.Errorf("virtualmin: %v", err)
	}
	pc, err := powerdns.NewClient("http://127.0.0.1:8081", nil, powerdns.WithAPIKey("k"), nil)
	if err != nil {
		t.Errorf("powerdns: %v", err)
	} else {
		pc.Backend(nil, powerdns.WithoutComments(), nil)
	}
	cc, err := cloudflare.NewClient(nil, cloudflare.WithAPIToken("t"), nil)
	if err != nil {
		t.Errorf("cloudflare: %v", err)
	} else {
		cloudflare.NewBackend(cc, nil)
	}
}
