# <server>/<domain>: the sub-server's own domain; its parent is read from the server.
terraform import praho_sub_server.blog vm1.example.ro:10000/blog.magazin.example.ro
