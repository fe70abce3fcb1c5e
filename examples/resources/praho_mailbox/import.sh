# <server>/<domain>/<name>: the server as host:port, the account's domain, the
# mailbox's short name (the local part of its address).
terraform import praho_mailbox.office vm1.example.ro:10000/magazin.example.ro/office
