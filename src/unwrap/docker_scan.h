// Stage: unwrap. Which scan DockerDecoder's direct path uses for "log" (docker.cc): the best
// the CPU has, chosen once at start. Exposed so that the unit test and the fuzz target can run
// every scan the machine can, against simdjson and against each other.
//
// Thread-safety: SetDockerScanForTesting must not run beside a Decode.
#pragma once

#include <cstdint>

namespace accesslog {

enum class DockerScan : uint8_t {
  kScalar,  // 16 bytes at a time to the next special byte, then one escape (any CPU)
  kAvx2,    // 64-byte blocks, escapes as bitmasks, backslashes packed out with pshufb
  kAvx512,  // the same with AVX-512 masks and vpcompressb (VBMI2)
  kNeon,    // the same with NEON (every arm64 CPU): masks by pairwise adds, tbl on 8-byte halves
};

// The scan in use.
[[nodiscard]] DockerScan CurrentDockerScan();
// Whether this CPU can run `scan`.
[[nodiscard]] bool DockerScanSupported(DockerScan scan);
// Uses `scan` from now on; false (nothing changed) when the CPU cannot run it. For tests.
bool SetDockerScanForTesting(DockerScan scan);

}  // namespace accesslog
