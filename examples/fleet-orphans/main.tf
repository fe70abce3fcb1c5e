# Orphans: accounts that exist on a server of the fleet but in no
# configuration (created by hand, left behind by an older configuration, an
# import that was never finished). The check block reports them on every
# plan and apply without failing the run; the output lists them, each with
# the import ID that brings it under this configuration.

provider "praho" {}

# The accounts this configuration manages.
resource "praho_hosting_account" "site" {
  for_each = var.accounts

  server   = each.value
  domain   = each.key
  password = var.account_password
}

# Every account on every server of the fleet: one list-domains call per
# server, shared with the accounts' own refresh.
data "praho_hosting_accounts" "on" {
  for_each = var.servers

  server = each.value
}

locals {
  # IDs are <server>/<domain> in the same form on both sides (host:port, the
  # domain in its ASCII form), so a set difference finds the orphans.
  present = toset(flatten([for ds in data.praho_hosting_accounts.on : [for a in ds.accounts : a.id]]))
  managed = toset([for a in praho_hosting_account.site : a.id])
  orphans = sort(setsubtract(local.present, local.managed))
}

check "no_orphan_accounts" {
  assert {
    condition     = length(local.orphans) == 0
    error_message = "Accounts on the fleet's servers that this configuration does not manage: ${join(", ", local.orphans)}. Import them (terraform import praho_hosting_account.<name> <id>) or delete them on the server."
  }
}

output "orphans" {
  description = "Import IDs of the accounts present on a server and absent from this configuration."
  value       = local.orphans
}
