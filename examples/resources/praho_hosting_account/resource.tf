resource "praho_hosting_account" "shop" {
  server      = "vm1.example.ro:10000"
  domain      = "magazin.example.ro"
  username    = "magazin"
  description = "Online shop"
  plan        = "Default Plan"
  features    = ["unix", "dir", "web", "mail", "mysql"]

  password = var.shop_password # stored in state (sensitive)

  # With Terraform >= 1.11 or OpenTofu >= 1.11, use the write-only form
  # instead: never stored in the plan or state, sent again when the version
  # changes. (Older CLIs reject write-only attributes, even in `validate`.)
  #   password_wo         = var.shop_password
  #   password_wo_version = 1

  disk_quota_mb      = 2048
  bandwidth_limit_mb = 0 # unlimited

  timeouts = {
    create = "15m"
  }
}

# Suspended accounts stay suspended: enabling one by hand shows in the next plan.
resource "praho_hosting_account" "unpaid" {
  server         = "vm1.example.ro"
  domain         = "școală.example.ro" # IDN, kept as written
  password       = var.unpaid_password
  suspended      = true
  suspend_reason = "invoice 2026-114 unpaid"
}

# With password_wo on Terraform >= 1.11 or OpenTofu >= 1.11, add
# `ephemeral = true` so the value is kept out of the plan file too (older
# CLIs reject that argument).
variable "shop_password" {
  type      = string
  sensitive = true
}

variable "unpaid_password" {
  type      = string
  sensitive = true
}
