resource "praho_dns_zone" "example" {
  name        = "example.ro"
  nameservers = ["ns1.example.ro.", "ns2.example.ro."]

  # Only these RRsets are managed; set exclusive = true to manage the whole zone.
  # Keys are <name relative to the zone>/<TYPE>; "@" is the apex.
  records = {
    "@/A"        = { ttl = 300, records = ["192.0.2.10"] }
    "www/CNAME"  = { records = ["example.ro."] }
    "@/MX"       = { records = ["10 mail.example.ro."] }
    "@/TXT"      = { records = ["v=spf1 mx -all"] }
    "_dmarc/TXT" = { records = ["v=DMARC1; p=quarantine"] }
  }
}

# The same zone on PowerDNS and Cloudflare.
resource "praho_dns_zone" "both" {
  name                  = "example.com"
  nameservers           = ["ns1.example.ro.", "ns2.example.ro."]
  backends              = ["powerdns", "cloudflare"]
  cloudflare_account_id = var.cloudflare_account_id

  records = {
    "@/A"   = { ttl = 300, records = ["192.0.2.10"] }
    "@/MX"  = { records = ["10 mail.example.com."] }
    "@/TXT" = { records = ["v=spf1 mx -all"] }
  }
}

variable "cloudflare_account_id" {
  type = string
}

output "delegate_to" {
  description = "Name servers to give the registrar for Cloudflare."
  value       = praho_dns_zone.both.cloudflare_name_servers
}
