import {
  to = praho_php_settings.blog
  id = "vm1.example.ro:10000/blog.example.ro"
}
