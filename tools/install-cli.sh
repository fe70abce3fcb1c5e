#!/usr/bin/env bash
# Builds the Terraform and OpenTofu CLIs used by the acceptance tests and the demo
# from the Go module proxy (no binary download works on our machines), and caches
# them so that only the first run on a machine pays for the build.
#
#   tools/install-cli.sh [terraform|tofu|all]   prints the path of each binary
set -euo pipefail

TERRAFORM_VERSION=1.5.7
TOFU_VERSION=1.12.6
cache="${PRAHO_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-praho/cli}"
mkdir -p "$cache"

build_terraform() {
  local bin="$cache/terraform-$TERRAFORM_VERSION"
  if [ ! -x "$bin" ]; then
    echo "building terraform $TERRAFORM_VERSION (first run on this machine only)..." >&2
    local gobin
    gobin=$(mktemp -d)
    GOBIN="$gobin" GOFLAGS=-mod=mod go install -trimpath -ldflags "-s -w" \
      "github.com/hashicorp/terraform@v$TERRAFORM_VERSION" >&2
    mv "$gobin/terraform" "$bin.tmp" && mv "$bin.tmp" "$bin"
    rm -rf "$gobin"
  fi
  echo "$bin"
}

build_tofu() {
  local bin="$cache/tofu-$TOFU_VERSION"
  if [ ! -x "$bin" ]; then
    echo "building tofu $TOFU_VERSION (first run on this machine only, about 4 minutes)..." >&2
    local dir src
    dir=$(go mod download -json "github.com/opentofu/opentofu@v$TOFU_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    src=$(mktemp -d)
    cp -r "$dir/." "$src/"
    chmod -R u+w "$src"
    (cd "$src" && go build -trimpath -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" -o "$bin.tmp" ./cmd/tofu >&2)
    mv "$bin.tmp" "$bin"
    rm -rf "$src"
  fi
  echo "$bin"
}

case "${1:-all}" in
  terraform) build_terraform ;;
  tofu) build_tofu ;;
  all) build_terraform; build_tofu ;;
  *) echo "usage: $0 [terraform|tofu|all]" >&2; exit 2 ;;
esac
