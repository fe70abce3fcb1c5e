terraform {
  required_providers {
    praho = {
      source  = "praho/praho"
      version = "~> 0.1"
    }
  }
}
