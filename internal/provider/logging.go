package provider

import "os"

// QuietLogEnv returns the environment settings ("NAME=value") that turn off
// the logs of terraform-plugin-go and terraform-plugin-framework when the
// user asked the CLI for none, or nil when any log variable is set.
//
// Without a level those libraries log every call at TRACE to the plugin's
// stderr, where the CLI parses each line and then drops it unless TF_LOG or
// TF_LOG_PROVIDER asks for it: a third of the provider's CPU time in a plan
// of 1,000 records (BenchmarkAccDNS1000), and as much again in the CLI. The
// provider inherits the CLI's environment, so TF_LOG=trace (or any of the
// variables below) still gets every line.
func QuietLogEnv() []string {
	for _, v := range []string{"TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_PROVIDER_PRAHO", "TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"} {
		if os.Getenv(v) != "" {
			return nil
		}
	}
	return []string{"TF_LOG_SDK=off", "TF_LOG_PROVIDER=off"}
}
