// Stage: counters. The workload a Kubernetes pod belongs to, read from the pod's name alone (no
// API access): the name a Deployment, StatefulSet, DaemonSet, Job, CronJob or static pod gives
// all of its pods, so that series labelled by it outlive every rollout, restart and scale-out.
//
//   WorkloadOf("kittens-api-7d9f8b6c5d-x2k9p", "node-7") == "kittens-api"   // a Deployment's
//   WorkloadOf("kube-apiserver-node-7", "node-7") == "kube-apiserver"        // a static pod
//   WorkloadOf("debug-shell", "node-7") == "debug-shell"                     // none of the rules
//
// The rules, the first that applies wins. The random parts Kubernetes generates are drawn from
// the alphabet "bcdfghjklmnpqrstvwxz2456789" (no vowels, no 0, 1 or 3), written A below:
//   1. a static pod: the name ends with "-<node name>" (when the node name is known): cut it;
//   2. a CronJob's pod: <name>-<8 digits>-<5 of A> -> <name>;
//   3. a Deployment's pod: <name>-<6 to 10 of A>-<5 of A> -> <name> (the pod-template hash
//      changes with every ReplicaSet of the Deployment; the workload does not);
//   4. a DaemonSet's, Job's or bare ReplicaSet's pod: <name>-<5 of A> -> <name>;
//   5. a StatefulSet's pod: <name>-<ordinal> (decimal, no leading zero) -> <name>;
//   6. anything else: the pod name itself.
// <name> is never empty: a name that is only a generated part is left whole.
//
// Known limits: the API server cuts a generated name's base to 58 characters, so a Deployment
// whose name and hash pass that has pods whose random part is not set off by a '-' (rule 6:
// the pod name); a bare pod whose name looks generated (`app-2024`, `tool-bcdfg`) is cut as if
// it were (rules 4 and 5).
//
// Thread-safety: a pure function. Allocates nothing: the result is a view into `pod`. Called
// once per followed file (path_labels.h), never per line.
#pragma once

#include <string_view>

namespace accesslog {

// The characters Kubernetes draws generated name suffixes from (k8s.io/apimachinery's rand).
inline constexpr std::string_view kKubernetesNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

// The workload of the pod named `pod` on the node `node_name` ("" when not known: rule 1 is then
// skipped). A view into `pod`.
[[nodiscard]] std::string_view WorkloadOf(std::string_view pod, std::string_view node_name);

}  // namespace accesslog
