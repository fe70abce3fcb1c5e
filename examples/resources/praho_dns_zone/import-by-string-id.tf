import {
  to = praho_dns_zone.example
  id = "example.ro"
}

import {
  to = praho_dns_zone.both
  id = "example.com/powerdns,cloudflare"
}
