#include "counters/workload.h"

#include <algorithm>

namespace accesslog {
namespace {

bool IsGenerated(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return kKubernetesNameAlphabet.find(c) != std::string_view::npos;
  });
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Splits "<head>-<tail>" at the last '-'; false when there is none or the head would be empty.
bool SplitLast(std::string_view s, std::string_view* head, std::string_view* tail) {
  const size_t dash = s.rfind('-');
  if (dash == std::string_view::npos || dash == 0) return false;
  *head = s.substr(0, dash);
  *tail = s.substr(dash + 1);
  return true;
}

}  // namespace

std::string_view WorkloadOf(std::string_view pod, std::string_view node_name) {
  // 1. A static pod: the kubelet names its mirror pod "<name>-<node name>".
  if (!node_name.empty() && pod.size() > node_name.size() + 1 && pod.ends_with(node_name) &&
      pod[pod.size() - node_name.size() - 1] == '-') {
    return pod.substr(0, pod.size() - node_name.size() - 1);
  }
  std::string_view head, last;
  if (!SplitLast(pod, &head, &last)) return pod;
  if (last.size() == 5 && IsGenerated(last)) {
    std::string_view name, middle;
    if (SplitLast(head, &name, &middle)) {
      // 2. A CronJob's Job is named after its scheduled time in minutes since the epoch (eight
      // digits until the year 2160). Before rule 3: the digits 2 and 4-9 are in the alphabet.
      if (middle.size() == 8 && IsDigits(middle)) return name;
      // 3. A ReplicaSet of a Deployment is "<deployment>-<pod-template hash>", the hash a
      // 32-bit number written in the alphabet (up to 10 characters).
      if (middle.size() >= 6 && middle.size() <= 10 && IsGenerated(middle)) return name;
    }
    // 4. One generated suffix on the controller's name.
    return head;
  }
  // 5. A StatefulSet's ordinal: "0", or digits without a leading zero.
  if (IsDigits(last) && (last.size() == 1 || last[0] != '0')) return head;
  return pod;  // 6.
}

}  // namespace accesslog
