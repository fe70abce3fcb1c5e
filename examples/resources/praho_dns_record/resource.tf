# One RRset per account: the web server's address.
resource "praho_dns_record" "www" {
  zone    = "example.ro"
  name    = "www"
  type    = "A"
  ttl     = 300
  records = ["192.0.2.10", "192.0.2.11"]
}

# The apex is "@". TXT values may be written with or without quotes.
resource "praho_dns_record" "spf" {
  zone    = "example.ro"
  name    = "@"
  type    = "TXT"
  records = ["v=spf1 mx -all"]
}

resource "praho_dns_record" "mx" {
  zone    = "example.ro"
  name    = "@"
  type    = "MX"
  ttl     = 3600
  records = ["10 mail.example.ro.", "20 mail2.example.ro."]
}

# The same RRset on PowerDNS and on Cloudflare (DNS only, not proxied).
resource "praho_dns_record" "api" {
  zone     = "example.ro"
  name     = "api"
  type     = "AAAA"
  records  = ["2001:db8::10"]
  backends = ["powerdns", "cloudflare"]
}

# Proxied through Cloudflare: TTL 1 (automatic) is required and checked at plan time.
resource "praho_dns_record" "shop" {
  zone     = "example.ro"
  name     = "shop"
  type     = "A"
  ttl      = 1
  proxied  = true
  records  = ["192.0.2.20"]
  backends = ["cloudflare"]
}
