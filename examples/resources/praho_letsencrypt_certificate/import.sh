# <server>/<domain>: the server as host:port, the domain as written or in punycode.
terraform import praho_letsencrypt_certificate.shop vm1.example.ro:10000/magazin.example.ro
