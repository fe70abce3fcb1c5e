resource "praho_hosting_account" "shop" {
  server   = "vm1.example.ro:10000"
  domain   = "magazin.example.ro"
  password = var.shop_password
  # The account must have the feature of the database's type.
  features = ["unix", "dir", "web", "mysql"]
}

resource "praho_database" "orders" {
  server = praho_hosting_account.shop.server
  domain = praho_hosting_account.shop.domain
  name   = "magazin_orders"
  type   = "mysql"

  # Destroying this resource, or any change that replaces it, DROPS the
  # database and its data. Refuse that in every plan:
  lifecycle {
    prevent_destroy = true
    # Rebuilding the account drops its databases in Virtualmin: this makes
    # such a plan show the database replaced (and prevent_destroy refuse it).
    replace_triggered_by = [praho_hosting_account.shop.virtualmin_id]
  }
}

variable "shop_password" {
  type      = string
  sensitive = true
}
