resource "praho_hosting_account" "shop" {
  server   = "vm1.example.ro:10000"
  domain   = "magazin.example.ro"
  password = var.shop_password
  features = ["unix", "dir", "web", "dns", "mail", "mysql"]
}

# blog.magazin.example.ro with its own document root and database, owned by
# the account's Unix user.
resource "praho_sub_server" "blog" {
  server      = praho_hosting_account.shop.server
  parent      = praho_hosting_account.shop.domain
  domain      = "blog.magazin.example.ro"
  description = "Shop blog"
  features    = ["dir", "web", "dns", "mysql"]

  # Rebuilding the account deletes its sub-servers in Virtualmin: show the
  # sub-server replaced in the same plan.
  lifecycle {
    replace_triggered_by = [praho_hosting_account.shop.virtualmin_id]
  }
}

variable "shop_password" {
  type      = string
  sensitive = true
}
