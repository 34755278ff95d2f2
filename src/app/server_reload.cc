#include "app/server.h"
#include "util/log.h"

namespace accesslog {

// Re-reads the configuration file and the status-code table. A configuration that does not
// load or validate is refused and the running one stays. Serialized by reload_mu_.
bool Server::Reload(std::string* error) {
  std::lock_guard<std::mutex> lock(reload_mu_);
  Options next;
  auto next_pipeline = std::make_unique<Pipeline>();
  if (!ResolveOptions(flags_, &next, error) ||
      !BuildPipeline(next, pipeline_.get(), next_pipeline.get(), error)) {
    LogError("reload failed, keeping the running configuration", {{"err", *error}});
    return false;
  }
  const bool same_tailing =
      next.sources == pipeline_->options.sources &&
      next.tail.from_start == pipeline_->options.tail.from_start &&
      next.tail.positions_file == pipeline_->options.tail.positions_file &&
      next.tail.poll_interval == pipeline_->options.tail.poll_interval &&
      next.tail.read_batch_window == pipeline_->options.tail.read_batch_window &&
      next.tail.max_line_bytes == pipeline_->options.tail.max_line_bytes &&
      next_pipeline->recorder == pipeline_->recorder;
  if (same_tailing) {
    // Only the status-code table can differ: swap it, keep every counter and file position.
    pipeline_->table = next_pipeline->table;
    collector_->SetStatusTable(pipeline_->table);
    LogInfo("reloaded the configuration", {{"changed", "status-code table"}});
    return true;
  }
  // Files go on where they were, with or without --positions.file: nothing is read twice or
  // skipped across a reload.
  if (next_pipeline->recorder != pipeline_->recorder) {
    responses_since_.store(
        static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count()) /
        1000.0);
  }
  std::vector<PositionEntry> positions = StopTailing();
  StopInputs();  // a reload rebinds the listeners and reopens the streams
  {
    std::lock_guard<std::mutex> inputs_lock(inputs_mu_);
    std::swap(pipeline_, next_pipeline);
  }
  Publish(*pipeline_, collector_.get());
  if (!StartTailing(error, std::move(positions)) || !StartInputs(error)) {
    LogError("reload: cannot follow the logs", {{"err", *error}});
    return false;
  }
  LogInfo("reloaded the configuration", {{"changed", "sources, labels or tail settings"}});
  return true;
}

}  // namespace accesslog
