# <zone>/<name>/<type>, the name relative to the zone and @ for the apex.
terraform import praho_dns_record.www example.ro/www/A
terraform import praho_dns_record.mx example.ro/@/MX
# An RRset kept on both backends.
terraform import praho_dns_record.api example.ro/api/AAAA/powerdns,cloudflare
