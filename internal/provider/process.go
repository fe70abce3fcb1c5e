package provider

import (
	"os"
	"runtime/debug"
)

// Process settings for the provider's process (main) and for benchmarks that
// serve it in process.

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
	// terraform-plugin-go sets the level of the provider's own log (tflog,
	// which the SDK's records go to) from TF_LOG_PROVIDER_PRAHO only;
	// TF_LOG_PROVIDER is the CLI's.
	return []string{"TF_LOG_SDK=off", "TF_LOG_PROVIDER_PRAHO=off"}
}

// GC settings of the provider process: terraform-plugin-framework allocates
// heavily on every call while the live heap stays small (tens of MiB), so
// with the default GOGC=100 a quarter of the provider's CPU in a plan of
// 1,000 records is garbage collection (BenchmarkAccDNS1000 with
// PRAHO_BENCH_CPUPROFILES); 400 cuts the provider's CPU by about a quarter.
// The soft memory limit makes the collector work harder again before the
// process grows past it (a zone of 5,000 RRsets).
const (
	gcPercent   = 400
	memoryLimit = 256 << 20
)

// TuneGC applies gcPercent and memoryLimit unless GOGC or GOMEMLIMIT are
// set, and returns the function that restores the previous settings.
func TuneGC() (restore func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	oldPercent := debug.SetGCPercent(gcPercent)
	oldLimit := debug.SetMemoryLimit(memoryLimit)
	return func() {
		debug.SetGCPercent(oldPercent)
		debug.SetMemoryLimit(oldLimit)
	}
}
