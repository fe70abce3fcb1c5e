# A fleet of three Virtualmin servers, each with its own API login, and the
# shops placed on them by praho_placement. Each shop is backed up every night
# to the backup store, a host outside the fleet; moving a shop (a drained
# server, a changed placement) copies it through the same store, and a shop
# whose server is lost is rebuilt from its last backup there.

provider "praho" {
  virtualmin {
    servers = {
      for name, s in var.servers : s.endpoint => { password = var.api_passwords[name] }
    }
    backup_store = {
      url      = var.store_url
      password = var.store_password
      host_key = var.store_host_key
    }
  }
}

resource "praho_placement" "shops" {
  accounts            = toset(keys(var.shops))
  required_tags       = { tier = "shared" }
  max_load            = 0.9
  max_moves_per_apply = 5

  servers = {
    for name, s in var.servers : s.endpoint => {
      capacity = s.capacity
      tags     = s.tags
      draining = s.draining
    }
  }
}

resource "praho_hosting_account" "shop" {
  for_each = var.shops

  server   = praho_placement.shops.assignments[each.key]
  domain   = each.value
  password = var.shop_password
  features = ["unix", "dir", "web", "mail", "mysql"]

  # Where the nightly backup below writes: the shop is rebuilt from it if
  # its server is lost.
  rebuild_from = "${var.store_url}/${each.value}.tar.gz"
}

resource "praho_account_backup" "nightly" {
  for_each = var.shops

  server      = praho_hosting_account.shop[each.key].server
  domain      = praho_hosting_account.shop[each.key].domain
  destination = "${var.store_url}/${each.value}.tar.gz"
  triggers    = { night = var.backup_night }
}
