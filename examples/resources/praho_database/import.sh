# <server>/<domain>/<type>/<name>
terraform import praho_database.orders vm1.example.ro:10000/magazin.example.ro/mysql/magazin_orders
