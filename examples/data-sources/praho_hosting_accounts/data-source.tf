data "praho_hosting_accounts" "vm1" {
  server = "vm1.example.ro:10000"
}

# The accounts this configuration manages on vm1.
resource "praho_hosting_account" "all" {
  for_each = var.customer_domains

  server   = "vm1.example.ro:10000"
  domain   = each.key
  password = var.account_password
}

# Domains on the server that no configuration manages.
output "unmanaged_domains" {
  value = setsubtract(
    data.praho_hosting_accounts.vm1.domains,
    [for a in praho_hosting_account.all : a.domain],
  )
}

variable "customer_domains" {
  type    = set(string)
  default = ["magazin.example.ro", "blog.example.ro"]
}

variable "account_password" {
  type      = string
  sensitive = true
}
