#!/usr/bin/env bash
# Runs `validate` on every folder under examples/ (each resource and data
# source example, the provider example and the quickstart) with the real CLIs
# against the provider built from this checkout, installed through
# dev_overrides, so an example that a CLI rejects (a block where the schema has
# an attribute, a language feature an old CLI lacks) cannot be committed.
#
#   tools/validate-examples.sh                  OpenTofu 1.12.6 and Terraform 1.5.7
#   VALIDATE_CLIS=/path/to/terraform tools/validate-examples.sh
#
# VALIDATE_CLIS lists CLI binaries or names for tools/install-cli.sh ("tofu
# terraform" by default). TestAccExamples_validate runs this script with the
# CLI of the acceptance run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/bin/terraform-provider-praho" .
# Examples without a required_providers block use the implicit
# hashicorp/praho source; the others say praho/praho. Both go to the build.
cat >"$tmp/dev.tfrc" <<RC
provider_installation {
  dev_overrides {
    "praho/praho"     = "$tmp/bin"
    "hashicorp/praho" = "$tmp/bin"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$tmp/dev.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1

dirs=()
while IFS= read -r f; do dirs+=("$(dirname "$f")"); done < <(find examples -name '*.tf' | sort)
mapfile -t dirs < <(printf '%s\n' "${dirs[@]}" | sort -u)

failed=0
for cli in ${VALIDATE_CLIS:-tofu terraform}; do
  bin=$cli
  [ -x "$bin" ] || bin=$(tools/install-cli.sh "$cli")
  name=$("$bin" version | sed -n 1p)
  for d in "${dirs[@]}"; do
    work="$tmp/work/$(basename "$bin")/$d"
    mkdir -p "$work"
    cp "$root/$d"/*.tf "$work/"
    if out=$(cd "$work" && "$bin" fmt -check -diff -no-color . 2>&1 && "$bin" validate -no-color 2>&1); then
      echo "ok    $name  $d"
    else
      echo "FAIL  $name  $d" >&2
      echo "$out" | sed 's/^/      /' >&2
      failed=1
    fi
  done
done
exit $failed
