// Stage: push. The exposition's families as Prometheus remote write 1.0 requests: the
// snappy-compressed protobuf WriteRequest bodies (push/remote_write.proto) the pusher sends.
//
//   WriteRequestEncoder encoder(ExternalLabels(options, "web-1:9958"), 2000);
//   std::vector<EncodedRequest> requests;
//   encoder.Encode(families, &extras, now_ms, &requests);   // each body <= 2000 samples
//
// The samples are the text exposition's (exposition.h), one per series, all stamped
// `timestamp_ms`: a counter, gauge or untyped sample under the family's name; a histogram as
// its classic series, name_bucket{le} (cumulative, the +Inf bucket added when the family has
// none), name_count and name_sum; a summary as name{quantile}, name_count and name_sum. `le`
// and `quantile` are written as the text format writes them ("0.005", "+Inf"). Every series
// carries the external labels, except where it has a label of that name itself (its own
// wins, as Prometheus' sender does), and its labels are sorted by name, __name__ among them.
// Exemplars come from `extras` where the OpenMetrics and protobuf expositions have them: a
// counter's on its series, a histogram bucket's on that bucket's series, with the label
// trace_id. Native buckets are not carried (remote write 1.0 has no native histograms). Each
// family's metadata (type, name, help) goes in the request that carries its first series.
// Requests are cut between series, at most `max_samples_per_send` samples each; the
// request's samples are counted in EncodedRequest::samples.
//
// Thread-safety: an encoder is used by one thread at a time (it keeps scratch buffers).
#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "exposition/exposition_extras.h"

namespace accesslog {

struct PushLabel {
  std::string name;
  std::string value;
  bool operator==(const PushLabel&) const = default;
};

// One request ready to send: the WriteRequest, snappy-compressed (block format, as remote
// write requires), and how many samples it carries.
struct EncodedRequest {
  std::string body;
  size_t samples = 0;
  int64_t timestamp_ms = 0;  // when its samples were collected
};

class WriteRequestEncoder {
 public:
  // `external` must have valid, distinct label names (any order).
  WriteRequestEncoder(std::vector<PushLabel> external, size_t max_samples_per_send);
  ~WriteRequestEncoder();
  WriteRequestEncoder(const WriteRequestEncoder&) = delete;  // owns its scratch buffers
  WriteRequestEncoder& operator=(const WriteRequestEncoder&) = delete;

  // Appends the requests for `families` (extras may be null) to *out.
  void Encode(const std::vector<prometheus::MetricFamily>& families, const ExpositionExtras* extras,
              int64_t timestamp_ms, std::vector<EncodedRequest>* out);

  const std::vector<PushLabel>& external_labels() const { return external_; }

 private:
  struct Scratch;
  std::vector<PushLabel> external_;  // sorted by name
  size_t max_samples_per_send_;
  std::unique_ptr<Scratch> scratch_;
};

}  // namespace accesslog
