#!/usr/bin/env bash
# Builds the Terraform and OpenTofu CLIs used by the acceptance tests and the demo
# from the Go module proxy (no binary download works on our machines), and caches
# them so that only the first run on a machine pays for the build.
#
#   tools/install-cli.sh [terraform|tofu|all]...   prints the path of each binary
#
# Only the CLI asked for is built. A build reports its progress on stderr
# (modules downloaded, packages compiled, the time it took). Runs that ask for
# the same CLI at once (parallel test packages, several checkouts) wait for a
# single build under a lock instead of building it twice. PRAHO_CLI_CACHE
# overrides the cache directory.
set -euo pipefail

TERRAFORM_VERSION=1.5.7
TOFU_VERSION=1.12.6
cache="${PRAHO_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-praho/cli}"
mkdir -p "$cache"

# progress NAME WHAT REGEX TOTAL: counts the lines on stdin that match REGEX
# (a module downloaded, a package compiled) and shows the count, on one
# updating line on a terminal and every 100 otherwise. Other lines (compiler
# errors) are passed through.
progress() {
  local name=$1 what=$2 pattern=$3 total=$4 n=0 line of=""
  [ "$total" -gt 0 ] && of=" of $total"
  while IFS= read -r line; do
    [[ $line =~ $pattern ]] || { printf '%s\n' "$line" >&2; continue; }
    n=$((n + 1))
    if [ -t 2 ]; then
      printf '\r  %s: %d%s %s' "$name" "$n" "$of" "$what" >&2
    elif [ $((n % 100)) -eq 0 ]; then
      printf '  %s: %d%s %s\n' "$name" "$n" "$of" "$what" >&2
    fi
  done
  if [ -t 2 ]; then printf '\r' >&2; fi
  printf '  %s: %d%s %s\n' "$name" "$n" "$of" "$what" >&2
}

# build NAME VERSION MODULE PACKAGE LDFLAGS: builds PACKAGE of MODULE@VERSION
# inside a copy of the module, so that the module's own go.mod (with its replace
# directives, which `go install pkg@version` refuses) decides the dependencies.
build() {
  local name=$1 version=$2 module=$3 pkg=$4 ldflags=$5
  local bin="$cache/$name-$version"
  if [ ! -x "$bin" ]; then
    local lock
    exec {lock}>"$bin.lock"
    if ! flock -n "$lock"; then
      echo "waiting for another build of $name $version to finish..." >&2
      flock "$lock"
    fi
    if [ ! -x "$bin" ]; then
      local start=$SECONDS dir src
      echo "building $name $version from the Go module proxy (first run on this machine only; it takes many minutes on 2 cores)" >&2
      dir=$(go mod download -json "$module@v$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
      src=$(mktemp -d)
      trap 'rm -rf "$src" "$bin.tmp"' EXIT
      cp -r "$dir/." "$src/"
      chmod -R u+w "$src"
      # go list downloads the dependencies (one "go: downloading" line each on
      # stderr) and lists the packages that go build will compile.
      (cd "$src" && go list -deps "$pkg" 2>&1 >"$src/.praho-deps") |
        progress "$name" "modules downloaded" "^go: downloading " 0
      (cd "$src" && go build -v -trimpath -ldflags "$ldflags" -o "$bin.tmp" "$pkg" 2>&1) |
        progress "$name" "packages compiled" '^[A-Za-z0-9._~/-]+$' "$(wc -l <"$src/.praho-deps")"
      mv "$bin.tmp" "$bin"
      rm -rf "$src"
      trap - EXIT
      echo "built $name $version in $(((SECONDS - start) / 60))m$(((SECONDS - start) % 60))s: $bin" >&2
    fi
    exec {lock}>&-
  fi
  echo "$bin"
}

build_terraform() {
  build terraform "$TERRAFORM_VERSION" github.com/hashicorp/terraform . "-s -w"
}

build_tofu() {
  build tofu "$TOFU_VERSION" github.com/opentofu/opentofu ./cmd/tofu \
    "-s -w -X github.com/opentofu/opentofu/version.dev=no"
}

[ $# -gt 0 ] || set -- all
for cli in "$@"; do
  case $cli in
    terraform) build_terraform ;;
    tofu) build_tofu ;;
    all) build_terraform; build_tofu ;;
    *) echo "usage: $0 [terraform|tofu|all]..." >&2; exit 2 ;;
  esac
done
