variable "servers" {
  description = "The fleet: name => endpoint, capacity, tags and whether it is draining."
  type = map(object({
    endpoint = string
    capacity = number
    tags     = map(string)
    draining = bool
  }))
  default = {
    vm1 = { endpoint = "vm1.example.ro:10000", capacity = 200, tags = { tier = "shared" }, draining = false }
    vm2 = { endpoint = "vm2.example.ro:10000", capacity = 200, tags = { tier = "shared" }, draining = false }
    vm3 = { endpoint = "vm3.example.ro:10000", capacity = 100, tags = { tier = "shared" }, draining = false }
  }
}

variable "api_passwords" {
  description = "The API password of each server, by name."
  type        = map(string)
  sensitive   = true
}

variable "shops" {
  description = "The shops: key => domain."
  type        = map(string)
  default = {
    florarie  = "florarie.example.ro"
    librarie  = "librarie.example.ro"
    cofetarie = "cofetarie.example.ro"
  }
}

variable "shop_password" {
  description = "Administration password of the shops."
  type        = string
  sensitive   = true
}

variable "store_url" {
  description = "The backup store: ssh://user@host:/path, without a password."
  type        = string
  default     = "ssh://praho-store@vault.example.ro:/srv/praho"
}

variable "store_password" {
  description = "SSH password of the backup store's login."
  type        = string
  sensitive   = true
}

variable "store_host_key" {
  description = "The backup store's SSH host key (ssh-ed25519 AAAA...)."
  type        = string
}

variable "backup_night" {
  description = "Change it (for example to the date) to take the nightly backups again."
  type        = string
  default     = "2026-12-01"
}
