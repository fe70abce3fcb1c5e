# Quickstart: three hosting accounts on one Virtualmin server and their DNS zone
# on PowerDNS, with A, MX and TXT records pointing at the server.
#
# Credentials come from the environment:
#   PRAHO_VIRTUALMIN_USERNAME, PRAHO_VIRTUALMIN_PASSWORD, PDNS_API_URL, PDNS_API_KEY

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
    { name = "shop", description = "Online shop" },
    { name = "blog", description = "Company blog" },
    { name = "docs", description = "Documentation" },
  ]
}

resource "praho_hosting_account" "site" {
  count = length(local.accounts)

  server      = var.virtualmin_server
  domain      = "${local.accounts[count.index].name}.${var.zone}"
  description = local.accounts[count.index].description
  password    = var.account_password
  features    = ["dir", "unix", "web", "mail"]
}

resource "praho_dns_zone" "main" {
  name        = var.zone
  nameservers = ["ns1.${var.zone}."]

  records = merge(
    {
      "@/A"    = { ttl = 300, records = [var.server_ip] }
      "ns1/A"  = { records = [var.server_ip] }
      "mail/A" = { records = [var.server_ip] }
      "@/MX"   = { records = ["10 mail.${var.zone}."] }
      "@/TXT"  = { records = ["v=spf1 mx -all"] }
    },
    # One A record per account, at the server's address.
    { for i, acct in praho_hosting_account.site : "${local.accounts[i].name}/A" => {
      ttl     = 300
      records = [acct.ip_address != "" ? acct.ip_address : var.server_ip]
    } },
  )
}

output "accounts" {
  description = "Import IDs of the accounts (server/domain)."
  value       = { for i, acct in praho_hosting_account.site : local.accounts[i].name => acct.id }
}
