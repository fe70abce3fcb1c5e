# Quickstart: three hosting accounts on one Virtualmin server and their DNS zone
# on PowerDNS, with A, MX and TXT records pointing at the server. The shop
# account is a whole customer in code: two mailboxes (one forwarding to the
# other), a MariaDB database and an alias domain serving the same site.
#
# Credentials come from the environment:
#   PRAHO_VIRTUALMIN_USERNAME, PRAHO_VIRTUALMIN_PASSWORD, PDNS_API_URL, PDNS_API_KEY
# and, to serve the zone on Cloudflare too (dns_backends), CLOUDFLARE_API_TOKEN
# (and CLOUDFLARE_BASE_URL for the fake, tools/cloudflare-fake).

provider "praho" {
  virtualmin {
    # Virtualmin's certificate is self-signed: trust exactly this one.
    certificate_sha256_pins = {
      (var.virtualmin_server) = var.virtualmin_cert_sha256
    }
  }
}

locals {
  accounts = [
    { name = "shop", description = "Online shop", features = ["dir", "unix", "web", "mail", "mysql"] },
    { name = "blog", description = "Company blog", features = ["dir", "unix", "web", "mail"] },
    { name = "docs", description = "Documentation", features = ["dir", "unix", "web", "mail"] },
  ]
}

resource "praho_hosting_account" "site" {
  count = length(local.accounts)

  server      = var.virtualmin_server
  domain      = "${local.accounts[count.index].name}.${var.zone}"
  description = local.accounts[count.index].description
  password    = var.account_password
  features    = local.accounts[count.index].features
}

# What lives inside the shop account. Referencing the account orders the
# creates (account first) and the destroys (account last).
resource "praho_mailbox" "office" {
  server    = praho_hosting_account.site[0].server
  domain    = praho_hosting_account.site[0].domain
  name      = "office"
  real_name = "Front office"
  password  = var.mailbox_password
}

resource "praho_mailbox" "sales" {
  server    = praho_hosting_account.site[0].server
  domain    = praho_hosting_account.site[0].domain
  name      = "sales"
  real_name = "Sales"
  password  = var.mailbox_password

  # Mail to sales@ also reaches the front office, and stays in this mailbox.
  forward_to      = [praho_mailbox.office.email]
  keep_local_copy = true
}

resource "praho_database" "orders" {
  server = praho_hosting_account.site[0].server
  domain = praho_hosting_account.site[0].domain
  name   = "shop_orders"
  type   = "mysql"
}

# store.<zone> serves the same website and mail as shop.<zone>.
resource "praho_domain_alias" "store" {
  server   = praho_hosting_account.site[0].server
  target   = praho_hosting_account.site[0].domain
  domain   = "store.${var.zone}"
  features = ["web", "mail"]
}

resource "praho_dns_zone" "main" {
  name                  = var.zone
  nameservers           = ["ns1.${var.zone}."]
  backends              = var.dns_backends
  cloudflare_account_id = var.cloudflare_account_id

  records = merge(
    {
      "@/A"     = { ttl = 300, records = [var.server_ip] }
      "ns1/A"   = { records = [var.server_ip] }
      "mail/A"  = { records = [var.server_ip] }
      "@/MX"    = { records = ["10 mail.${var.zone}."] }
      "@/TXT"   = { records = ["v=spf1 mx -all"] }
      "store/A" = { ttl = 300, records = [var.server_ip] }
    },
    # One A record per account, at the server's address.
    { for i, acct in praho_hosting_account.site : "${local.accounts[i].name}/A" => {
      ttl     = 300
      records = [acct.ip_address != "" ? acct.ip_address : var.server_ip]
    } },
  )
}

output "shop_contents" {
  description = "What the shop account holds."
  value = {
    mailboxes = [praho_mailbox.office.email, praho_mailbox.sales.email]
    database  = praho_database.orders.name
    alias     = praho_domain_alias.store.domain
  }
}

output "accounts" {
  description = "Import IDs of the accounts (server/domain)."
  value       = { for i, acct in praho_hosting_account.site : local.accounts[i].name => acct.id }
}
