data "praho_virtualmin_server_info" "vm1" {
  server = "vm1.example.ro:10000"
}

resource "praho_hosting_account" "blog" {
  server   = "vm1.example.ro:10000"
  domain   = "blog.example.ro"
  password = var.blog_password
  features = ["unix", "dir", "web"]
  # Leave php_version unset here: praho_php_settings manages PHP.
}

# Checked at plan time: the plan fails if the server has no PHP 8.2, or 8.2
# does not run under PHP-FPM there.
resource "praho_php_settings" "blog" {
  server  = praho_hosting_account.blog.server
  domain  = praho_hosting_account.blog.domain
  mode    = "fpm"
  version = "8.2"
}

output "php_versions_on_vm1" {
  value = [for v in data.praho_virtualmin_server_info.vm1.php_versions : v.version]
}

variable "blog_password" {
  type      = string
  sensitive = true
}
