variable "servers" {
  description = "The fleet's Virtualmin servers, name => host:port."
  type        = map(string)
  default = {
    vm1 = "vm1.example.ro:10000"
    vm2 = "vm2.example.ro:10000"
  }
}

variable "accounts" {
  description = "The accounts this configuration manages, domain => server (host:port)."
  type        = map(string)
  default = {
    "magazin.example.ro" = "vm1.example.ro:10000"
    "blog.example.ro"    = "vm2.example.ro:10000"
  }
}

variable "account_password" {
  description = "Administration password of the accounts."
  type        = string
  sensitive   = true
  default     = "Example-Account-1"
}
