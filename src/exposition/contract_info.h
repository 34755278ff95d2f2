// Stage: exposition. The contracts the responses are judged against, as data on /metrics (value
// always 1), for joins in PromQL and for dashboards that list what had no traffic:
//
//   accesslog_status_code_info{code,class,meaning}        the pipeline's status-code table; with
//                                                         {log} on every row when some source has
//                                                         a table of its own (each source's)
//   accesslog_api_info{log,title,version}                 a source's OpenAPI document (info)
//   accesslog_api_operation_info{log,method,route,operation}   one per operation of it
//
// Thread-safety: no state.
#pragma once

#include <prometheus/metric_family.h>

#include <memory>
#include <string>
#include <vector>

#include "classify/api_contract.h"
#include "classify/status_table.h"

namespace accesslog {

// What one source is judged against beside the pipeline's table.
struct SourceContract {
  std::string log;                           // the source's name
  std::shared_ptr<const StatusTable> table;  // its own status table; null: the pipeline's
  std::shared_ptr<const ApiContract> api;    // its OpenAPI contract; null: none
};

// Appends the three families above (the api ones only when a source has a contract).
void AppendContractInfo(const StatusTable& table, const std::vector<SourceContract>& sources,
                        std::vector<prometheus::MetricFamily>* out);

}  // namespace accesslog
