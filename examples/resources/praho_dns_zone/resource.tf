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
