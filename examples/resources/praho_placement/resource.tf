# Two servers of the fleet take the shop accounts: each new account goes to
# the less loaded one, and stays there. Setting draining = true on a server
# moves its accounts to the other, max_moves_per_apply per apply.
locals {
  shops = {
    "florarie"  = { domain = "florarie.example.ro" }
    "librarie"  = { domain = "librarie.example.ro" }
    "cofetarie" = { domain = "cofetarie.example.ro" }
  }
}

resource "praho_placement" "shops" {
  accounts      = toset(keys(local.shops))
  required_tags = { tier = "shared" }
  max_load      = 0.9

  servers = {
    for s in [praho_virtualmin_server.vm1, praho_virtualmin_server.vm2] : s.id => {
      capacity = s.capacity
      tags     = s.tags
      status   = s.status
      draining = false
    }
  }
}

resource "praho_hosting_account" "shop" {
  for_each = local.shops

  server   = praho_placement.shops.assignments[each.key]
  domain   = each.value.domain
  password = var.shop_password
}

resource "praho_virtualmin_server" "vm1" {
  name         = "vm1"
  address      = "203.0.113.10"
  hostname     = "vm1.example.ro"
  api_password = var.vm_api_password
  capacity     = 200
  tags         = { region = "buc", tier = "shared" }

  ssh {
    use_agent       = true
    host_key_sha256 = "SHA256:2H4xYvTzMhxXvJjnUQVKszJ6W9x0YzB5N1kH8mQ3c4E"
  }
}

resource "praho_virtualmin_server" "vm2" {
  name         = "vm2"
  address      = "203.0.113.20"
  hostname     = "vm2.example.ro"
  api_password = var.vm_api_password
  capacity     = 200
  tags         = { region = "buc", tier = "shared" }

  ssh {
    use_agent       = true
    host_key_sha256 = "SHA256:7dQ1mJcV9w3Kp2sXyZbA8fLrT5nHq4uE6gC0iWoY1aM"
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
