import {
  to = praho_dns_record.www
  id = "example.ro/www/A"
}

import {
  to = praho_dns_record.api
  id = "example.ro/api/AAAA/powerdns,cloudflare"
}
