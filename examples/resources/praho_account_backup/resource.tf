resource "praho_hosting_account" "shop" {
  server   = "vm1.example.ro:10000"
  domain   = "magazin.example.ro"
  password = var.shop_password
  features = ["unix", "dir", "web", "mail", "mysql"]
}

# A backup before a risky change: bump `run` to take another one.
resource "praho_account_backup" "before_migration" {
  server      = praho_hosting_account.shop.server
  domain      = praho_hosting_account.shop.domain
  destination = "/var/backups/virtualmin/magazin.example.ro-before-migration.tar.gz"
  triggers = {
    run = "2026-11-26"
  }

  timeouts = {
    create = "2h"
  }
}

# Only the website and the databases, to another host over SSH.
resource "praho_account_backup" "offsite" {
  server      = praho_hosting_account.shop.server
  domain      = praho_hosting_account.shop.domain
  destination = "ssh://backup@backup.example.ro:/srv/backups/magazin.example.ro.tar.gz"
  features    = ["dir", "web", "mysql"]
}

variable "shop_password" {
  type      = string
  sensitive = true
}
