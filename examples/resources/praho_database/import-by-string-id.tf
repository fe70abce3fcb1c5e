import {
  to = praho_database.orders
  id = "vm1.example.ro:10000/magazin.example.ro/mysql/magazin_orders"
}
