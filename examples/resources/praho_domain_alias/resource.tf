resource "praho_hosting_account" "shop" {
  server   = "vm1.example.ro:10000"
  domain   = "magazin.example.ro"
  password = var.shop_password
  features = ["unix", "dir", "web", "dns", "mail"]
}

# magazin.example.com serves the same website and mailboxes. Referencing the
# account makes Terraform create it first and destroy it last.
resource "praho_domain_alias" "com" {
  server   = praho_hosting_account.shop.server
  target   = praho_hosting_account.shop.domain
  domain   = "magazin.example.com"
  features = ["web", "dns", "mail"]

  # Rebuilding the account deletes its aliases in Virtualmin: show the alias
  # replaced in the same plan.
  lifecycle {
    replace_triggered_by = [praho_hosting_account.shop.virtualmin_id]
  }
}

variable "shop_password" {
  type      = string
  sensitive = true
}
