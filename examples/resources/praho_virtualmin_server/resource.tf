# A fresh Debian host becomes a Virtualmin server, and takes its first
# accounts in the same apply.
resource "praho_virtualmin_server" "vm3" {
  name         = "vm3"
  address      = "203.0.113.30"
  hostname     = "vm3.example.ro"
  api_password = var.vm_api_password
  # Webmin accepts API logins from the CI runners only.
  api_allow_from = ["198.51.100.0/24"]
  capacity       = 200
  tags           = { region = "buc", tier = "shared" }

  ssh {
    # Only the path is stored in state; use_agent = true keeps even that out.
    private_key_file = pathexpand("~/.ssh/id_ed25519")
    # The host key the cloud console printed at first boot.
    host_key_sha256 = "SHA256:2H4xYvTzMhxXvJjnUQVKszJ6W9x0YzB5N1kH8mQ3c4E"
    dial_timeout    = "10m"
  }

  install {
    mode = "LAMP"
  }

  hardening {
    open_ports = [22, 25, 80, 443, 587, 993, 10000]
    fail2ban   = true
  }

  timeouts = {
    create = "60m"
  }
}

resource "praho_hosting_account" "shop" {
  server   = praho_virtualmin_server.vm3.id
  domain   = "magazin.example.ro"
  password = var.shop_password

  lifecycle {
    # A rebuilt server comes back empty: rebuild its accounts too.
    replace_triggered_by = [praho_virtualmin_server.vm3.id]
  }
}

variable "vm_api_password" {
  type      = string
  sensitive = true
}

variable "shop_password" {
  type      = string
  sensitive = true
}
