# <server>/<domain>: the server as host:port, the domain as written or in punycode.
terraform import praho_php_settings.blog vm1.example.ro:10000/blog.example.ro
