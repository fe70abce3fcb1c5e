#!/usr/bin/env bash
# Runs the provider's acceptance tests (TF_ACC=1) with each real CLI
# (OpenTofu 1.12.6 and Terraform 1.5.7, built by tools/install-cli.sh) and
# each Virtualmin configuration the simulators model: the whole suite against
# "stock" (a server set up by Virtualmin's installer), the tests of the
# Virtualmin resources and data sources against "minimal" (the server of the
# first recordings) too.
#
#   tools/testacc.sh [go test flags...]     e.g. tools/testacc.sh -run TestAccHostingAccount -v
#
# TESTACC_CLIS picks the CLIs ("tofu terraform" by default), TESTACC_PROFILES
# the profiles ("stock minimal"; a -run given here applies to each),
# TESTACC_PACKAGES the packages (./internal/...). Write-only attributes need
# Terraform >= 1.11 or OpenTofu >= 1.11: only those steps are skipped on
# Terraform 1.5.7. TestAccQuickstart covers both profiles by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

clis=${TESTACC_CLIS:-tofu terraform}
profiles=${TESTACC_PROFILES:-stock minimal}
pkgs=${TESTACC_PACKAGES:-./internal/...}
args=("$@")
own_run=false
if [ ${#args[@]} -gt 0 ] && printf '%s\n' "${args[@]}" | grep -q '^-run'; then
  own_run=true
fi
# The tests that talk to Virtualmin, rerun against the minimal profile.
minimal_run='TestAcc(AccountBackup|AccountRestore|Database|DomainAlias|HostingAccount|LetsEncryptCertificate|Mailbox|PHPSettings|SubServer|VirtualminServerHealth)'

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
  for profile in $profiles; do
    run=()
    if ! $own_run; then
      run=(-run 'TestAcc')
      [ "$profile" = stock ] || run=(-run "$minimal_run")
    fi
    echo "== acceptance tests with $("$bin" version | head -n1) ($bin), Virtualmin profile $profile" >&2
    env TF_ACC=1 \
      TF_ACC_TERRAFORM_PATH="$bin" \
      TF_ACC_PROVIDER_HOST="$host" \
      TF_IN_AUTOMATION=1 \
      PRAHO_TEST_VIRTUALMIN_PROFILE="$profile" \
      go test -count=1 -timeout 60m "${run[@]}" "${args[@]}" $pkgs
  done
done
