variable "virtualmin_server" {
  description = "Virtualmin server endpoint, host:port."
  type        = string
  default     = "127.0.0.1:10000"
}

variable "virtualmin_cert_sha256" {
  description = "SHA-256 fingerprint of the server's TLS certificate (openssl x509 -noout -fingerprint -sha256)."
  type        = string
}

variable "server_ip" {
  description = "Address the DNS records point at when the server reports none."
  type        = string
  default     = "192.0.2.10"
}

variable "zone" {
  description = "DNS zone of the accounts."
  type        = string
  default     = "quickstart.example"
}

variable "account_password" {
  description = "Administration password of the demo accounts."
  type        = string
  sensitive   = true
  default     = "Quickstart-Demo-1"
}

variable "mailbox_password" {
  description = "Password of the demo mailboxes."
  type        = string
  sensitive   = true
  default     = "Quickstart-Mail-1"
}

variable "dns_backends" {
  description = "Where the zone is served: powerdns, cloudflare or both."
  type        = set(string)
  default     = ["powerdns"]
}

variable "cloudflare_account_id" {
  description = "Cloudflare account the zone is created in (with the cloudflare backend)."
  type        = string
  default     = null
}
