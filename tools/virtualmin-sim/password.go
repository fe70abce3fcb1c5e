package main

import (
	"crypto/rand"
	"encoding/base64"
)

// randomPassword is the owner password of a seeded domain; it is never
// printed (log in as the master admin instead).
func randomPassword() string {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
