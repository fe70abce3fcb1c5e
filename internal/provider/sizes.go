package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// Sizes: the schema speaks MiB; Virtualmin counts quotas in 1 KiB blocks and
// bandwidth in bytes. A limit of 0 MiB means unlimited.
const (
	blocksPerMB = 1024
	bytesPerMB  = 1 << 20
)

// quotaLimit is a quota of mb MiB in blocks (0: unlimited).
func quotaLimit(mb int64) virtualmin.Limit {
	if mb == 0 {
		return virtualmin.Limit{Unlimited: true}
	}
	return virtualmin.Limit{Value: mb * blocksPerMB}
}

// bandwidthLimit is a bandwidth limit of mb MiB in bytes (0: unlimited).
func bandwidthLimit(mb int64) virtualmin.Limit {
	if mb == 0 {
		return virtualmin.Limit{Unlimited: true}
	}
	return virtualmin.Limit{Value: mb * bytesPerMB}
}

// limitMB is a limit read back in MiB (0 for unlimited); unit is blocksPerMB
// or bytesPerMB.
func limitMB(l virtualmin.Limit, unit int64) types.Int64 {
	if l.Unlimited {
		return types.Int64Value(0)
	}
	return types.Int64Value(l.Value / unit)
}
