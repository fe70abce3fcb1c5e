resource "praho_hosting_account" "shop" {
  server   = "vm1.example.ro:10000"
  domain   = "magazin.example.ro"
  password = var.shop_password
  features = ["unix", "dir", "web", "dns", "mail"]
}

# The names must resolve to the server in public DNS before the apply.
resource "praho_letsencrypt_certificate" "shop" {
  server    = praho_hosting_account.shop.server
  domain    = praho_hosting_account.shop.domain
  hostnames = ["magazin.example.ro", "www.magazin.example.ro"]

  # A plan run within 30 days of expiry shows an in-place renewal.
  renew_before_days = 30
}

output "shop_certificate_expires_at" {
  value = praho_letsencrypt_certificate.shop.expires_at
}

variable "shop_password" {
  type      = string
  sensitive = true
}
