#!/usr/bin/env bash
# Runs the provider's acceptance tests (TF_ACC=1) once with each real CLI:
# OpenTofu 1.12.6 and Terraform 1.5.7, built by tools/install-cli.sh.
#
#   tools/testacc.sh [go test flags...]     e.g. tools/testacc.sh -run TestAccHostingAccount -v
#
# TESTACC_CLIS picks the CLIs ("tofu terraform" by default), TESTACC_PACKAGES
# the packages (./internal/...). Write-only attributes need Terraform >= 1.11
# or OpenTofu >= 1.11: only those steps are skipped on Terraform 1.5.7.
set -euo pipefail
cd "$(dirname "$0")/.."

clis=${TESTACC_CLIS:-tofu terraform}
pkgs=${TESTACC_PACKAGES:-./internal/...}
args=("$@")
if [ ${#args[@]} -eq 0 ] || ! printf '%s\n' "${args[@]}" | grep -q '^-run'; then
  args=(-run 'TestAcc' "${args[@]}")
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# An existing, empty CLI configuration: some machines point TF_CLI_CONFIG_FILE
# at a missing file, which breaks OpenTofu's version check.
: >"$tmp/cli.tfrc"
export TF_CLI_CONFIG_FILE="$tmp/cli.tfrc" CHECKPOINT_DISABLE=1

for cli in $clis; do
  bin=$(tools/install-cli.sh "$cli")
  host=registry.terraform.io
  [ "$cli" = tofu ] && host=registry.opentofu.org
  echo "== acceptance tests with $("$bin" version | head -n1) ($bin)" >&2
  env TF_ACC=1 \
    TF_ACC_TERRAFORM_PATH="$bin" \
    TF_ACC_PROVIDER_HOST="$host" \
    TF_IN_AUTOMATION=1 \
    go test -count=1 -timeout 60m "${args[@]}" $pkgs
done
