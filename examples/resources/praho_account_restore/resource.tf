# Disaster recovery: bring an account back from an archive on its server.
# If the account disappears later, the next plan shows the restore again.
resource "praho_account_restore" "shop" {
  server = "vm1.example.ro:10000"
  domain = "magazin.example.ro"
  source = "/var/backups/virtualmin/magazin.example.ro-before-migration.tar.gz"

  # Everything but mail (sent after all-features, as restore-domain needs).
  except_features = ["mail"]

  timeouts = {
    create = "2h"
  }
}
