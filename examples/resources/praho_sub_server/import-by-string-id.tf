import {
  to = praho_sub_server.blog
  id = "vm1.example.ro:10000/blog.magazin.example.ro"
}
