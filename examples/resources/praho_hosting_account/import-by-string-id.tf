import {
  to = praho_hosting_account.shop
  id = "vm1.example.ro:10000/magazin.example.ro"
}
