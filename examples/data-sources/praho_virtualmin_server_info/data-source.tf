data "praho_virtualmin_server_info" "vm1" {
  server = "vm1.example.ro"
}

resource "praho_hosting_account" "blog" {
  server      = "vm1.example.ro"
  domain      = "blog.example.ro"
  password    = var.blog_password
  php_version = "8.2"

  lifecycle {
    precondition {
      condition     = contains([for v in data.praho_virtualmin_server_info.vm1.php_versions : v.version], "8.2")
      error_message = "PHP 8.2 is not installed on vm1."
    }
  }
}

variable "blog_password" {
  type      = string
  sensitive = true
}
