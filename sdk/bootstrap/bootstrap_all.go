package bootstrap

import (
	"context"
)

// Spec is everything Bootstrap does to a host.
type Spec struct {
	// Install runs Virtualmin's installer unless the host has it.
	Install InstallOptions
	// Harden configures the firewall, fail2ban and Webmin's certificate.
	Harden HardenOptions
	// APIUser is the Webmin user the remote API is used with.
	APIUser APIUserOptions
	// Health tunes the final health check; its API user, password and
	// certificate pin are filled in from the other steps when empty.
	Health HealthOptions
}

// Report is what Bootstrap did and found.
type Report struct {
	// Steps are the results of every step, in order: install, firewall,
	// fail2ban, tls, api-user.
	Steps []StepResult
	// TLSFingerprintSHA256 is Webmin's certificate fingerprint, to pin.
	TLSFingerprintSHA256 string
	// Health is the health report taken at the end.
	Health *HealthReport
}

// Changed reports whether any step changed the host.
func (r *Report) Changed() bool {
	for _, s := range r.Steps {
		if s.Changed {
			return true
		}
	}
	return false
}

// Bootstrap makes the host a Virtualmin server: Install, Harden,
// EnsureAPIUser, then Health with the API user and the certificate's
// fingerprint pinned. Every step is idempotent, so running it again on a
// bootstrapped host changes nothing. It stops at the first failing step
// and returns what was done so far with the error. An unhealthy server is
// not an error: see Report.Health.Status.
func (b *Bootstrapper) Bootstrap(ctx context.Context, s Spec) (*Report, error) {
	rep := &Report{}
	step, err := b.Install(ctx, s.Install)
	rep.Steps = append(rep.Steps, step)
	if err != nil {
		return rep, err
	}
	if b.progress != nil {
		b.progress("install", step.String())
	}
	hard, err := b.Harden(ctx, s.Harden)
	rep.Steps = append(rep.Steps, hard.Steps...)
	if err != nil {
		return rep, err
	}
	rep.TLSFingerprintSHA256 = hard.TLSFingerprintSHA256
	for _, st := range hard.Steps {
		if b.progress != nil {
			b.progress(st.Name, st.String())
		}
	}
	step, err = b.EnsureAPIUser(ctx, s.APIUser)
	rep.Steps = append(rep.Steps, step)
	if err != nil {
		return rep, err
	}
	if b.progress != nil {
		b.progress(step.Name, step.String())
	}
	ho := s.Health
	if ho.APIUser == "" {
		ho.APIUser, ho.APIPassword = s.APIUser.Name, s.APIUser.Password
	}
	if ho.TLSFingerprintSHA256 == "" && len(ho.CACertPEM) == 0 && !ho.InsecureSkipVerify {
		ho.TLSFingerprintSHA256 = hard.TLSFingerprintSHA256
	}
	rep.Health, err = b.Health(ctx, ho)
	if err != nil {
		return rep, err
	}
	if b.progress != nil {
		b.progress("health", string(rep.Health.Status))
	}
	return rep, nil
}
