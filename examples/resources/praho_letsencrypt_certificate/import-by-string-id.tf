import {
  to = praho_letsencrypt_certificate.shop
  id = "vm1.example.ro:10000/magazin.example.ro"
}
