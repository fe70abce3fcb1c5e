# <server>/<domain>: the alias's own domain; its target is read from the server.
terraform import praho_domain_alias.com vm1.example.ro:10000/magazin.example.com
