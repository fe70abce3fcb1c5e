# By zone name. Every RRset of the zone (apex SOA and NS aside) comes into state.
terraform import praho_dns_zone.example example.ro
# A zone served by both backends.
terraform import praho_dns_zone.both example.com/powerdns,cloudflare
