terraform {
  required_providers {
    praho = {
      source = "praho/praho"
    }
  }
}
