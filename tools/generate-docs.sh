#!/usr/bin/env bash
# Regenerates docs/ from the provider's schema, templates/ and examples/ with
# tfplugindocs, offline: the schema comes from the local build through a
# dev_overrides CLI configuration and Terraform 1.5.7 from tools/install-cli.sh.
#
#   tools/generate-docs.sh            rewrite docs/
#   tools/generate-docs.sh --check    fail if docs/ is not what the sources generate
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

tf=$(tools/install-cli.sh terraform)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/bin/terraform-provider-praho" .
# tfplugindocs looks the schema up as registry.terraform.io/hashicorp/<name>,
# so the throw-away configuration names the provider under that source.
cat >"$tmp/dev.tfrc" <<RC
provider_installation {
  dev_overrides {
    "hashicorp/praho" = "$tmp/bin"
  }
  direct {}
}
RC
mkdir "$tmp/work"
cat >"$tmp/work/main.tf" <<'TF'
terraform {
  required_providers {
    praho = { source = "hashicorp/praho" }
  }
}
TF
(cd "$tmp/work" && TF_CLI_CONFIG_FILE="$tmp/dev.tfrc" CHECKPOINT_DISABLE=1 "$tf" providers schema -json >"$tmp/schema.json" 2>"$tmp/schema.err") || {
  cat "$tmp/schema.err" >&2
  exit 1
}

out=docs
if [ "${1:-}" = --check ]; then
  # Generate into a copy of the sources and compare, leaving the tree alone.
  mkdir "$tmp/src"
  cp -r templates examples "$tmp/src/"
  [ -d docs ] && cp -r docs "$tmp/src/"
  cd "$tmp/src"
fi

PATH="$(dirname "$tf"):$PATH" go -C "$root" run github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs generate \
  --provider-dir "$PWD" \
  --provider-name praho \
  --rendered-provider-name praho \
  --providers-schema "$tmp/schema.json" >"$tmp/tfplugindocs.log" 2>&1 || {
  cat "$tmp/tfplugindocs.log" >&2
  exit 1
}

if [ "${1:-}" = --check ]; then
  if ! diff -ru "$root/$out" "$tmp/src/$out"; then
    echo "docs/ is out of date: run 'make generate' (tools/generate-docs.sh) and commit the result" >&2
    exit 1
  fi
  echo "docs/ is up to date"
fi
