package powerdns

import (
	"context"
	"net/http"
	"strconv"
)

// Cryptokey is a DNSSEC key of a zone. PrivateKey is only filled by Get.
type Cryptokey struct {
	ID         int      `json:"id"`
	Type       string   `json:"type"`
	KeyType    string   `json:"keytype"`
	Active     bool     `json:"active"`
	Published  bool     `json:"published"`
	DNSKey     string   `json:"dnskey"`
	DS         []string `json:"ds"`
	Flags      int      `json:"flags"`
	Algorithm  string   `json:"algorithm"`
	Bits       int      `json:"bits"`
	PrivateKey string   `json:"privatekey,omitempty"`
}

// CryptokeysService reads /servers/{server}/zones/{zone}/cryptokeys.
type CryptokeysService struct{ c *Client }

// List returns the zone's keys (without private keys). A read: retried.
func (s *CryptokeysService) List(ctx context.Context, zone string) ([]Cryptokey, error) {
	var out []Cryptokey
	_, err := s.c.do(ctx, http.MethodGet, s.c.Zones.zonePath(zone)+"/cryptokeys", nil, nil, &out, retrySafe)
	return out, err
}

// Get returns one key, private key included: never log it. A read: retried.
func (s *CryptokeysService) Get(ctx context.Context, zone string, id int) (*Cryptokey, error) {
	var out Cryptokey
	if _, err := s.c.do(ctx, http.MethodGet, s.c.Zones.zonePath(zone)+"/cryptokeys/"+strconv.Itoa(id), nil, nil, &out, retrySafe); err != nil {
		return nil, err
	}
	return &out, nil
}
