resource "praho_dns_zone" "example" {
  name        = "example.ro"
  nameservers = ["ns1.example.ro.", "ns2.example.ro."]

  # Only these RRsets are managed; set exclusive = true to manage the whole zone.
  records = [
    { name = "@", type = "A", ttl = 300, records = ["192.0.2.10"] },
    { name = "www", type = "CNAME", records = ["example.ro."] },
    { name = "@", type = "MX", records = ["10 mail.example.ro."] },
    { name = "@", type = "TXT", records = ["v=spf1 mx -all"] },
    { name = "_dmarc", type = "TXT", records = ["v=DMARC1; p=quarantine"] },
  ]
}
