resource "praho_hosting_account" "shop" {
  server   = "vm1.example.ro:10000"
  domain   = "magazin.example.ro"
  password = var.shop_password
  features = ["unix", "dir", "web", "mail"]
}

# Referencing the account orders the creates (account first) and the
# destroys (mailbox first).
resource "praho_mailbox" "office" {
  server    = praho_hosting_account.shop.server
  domain    = praho_hosting_account.shop.domain
  name      = "office"
  real_name = "Front office"

  password = var.office_password # stored in state (sensitive)

  # With Terraform >= 1.11 or OpenTofu >= 1.11, use the write-only form
  # instead: never stored in the plan or state, sent again when the version
  # changes. (Older CLIs reject write-only attributes, even in `validate`.)
  #   password_wo         = var.office_password
  #   password_wo_version = 1

  # Set with modify-user after the create; mail is also kept in the mailbox.
  forward_to      = ["owner@example.org"]
  keep_local_copy = true

  # Rebuilding the account deletes its mailboxes in Virtualmin: show the
  # mailbox replaced in the same plan.
  lifecycle {
    replace_triggered_by = [praho_hosting_account.shop.virtualmin_id]
  }
}

resource "praho_mailbox" "ftp_upload" {
  server        = praho_hosting_account.shop.server
  domain        = praho_hosting_account.shop.domain
  name          = "upload"
  password      = var.upload_password
  ftp_access    = true
  login_enabled = true
}

variable "shop_password" {
  type      = string
  sensitive = true
}

# With password_wo on Terraform >= 1.11 or OpenTofu >= 1.11, add
# `ephemeral = true` so the value is kept out of the plan file too (older
# CLIs reject that argument).
variable "office_password" {
  type      = string
  sensitive = true
}

variable "upload_password" {
  type      = string
  sensitive = true
}
