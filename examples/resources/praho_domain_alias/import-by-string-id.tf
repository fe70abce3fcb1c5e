import {
  to = praho_domain_alias.com
  id = "vm1.example.ro:10000/magazin.example.com"
}
