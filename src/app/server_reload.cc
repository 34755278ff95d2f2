#include <algorithm>

#include "app/server.h"
#include "util/log.h"

namespace accesslog {

// Re-reads the configuration file and the status-code table. All or nothing: what can fail is
// done before anything running is touched (loading and checking the configuration, binding the
// new listen addresses, opening the new streams), and the one step that cannot be prepared
// beside the running one (a tailer starts from the positions the running tailer stops at) is
// undone when it fails. Serialized by reload_mu_.
bool Server::Reload(std::string* error) {
  std::lock_guard<std::mutex> lock(reload_mu_);
  auto refuse = [&](const char* msg) {
    LogError(msg, {{"err", *error}});
    reloads_.Record(false, WallSeconds());
    return false;
  };
  Options next;
  auto next_pipeline = std::make_unique<Pipeline>();
  if (!ResolveOptions(flags_, &next, error) ||
      !BuildPipeline(next, pipeline_.get(), next_pipeline.get(), error)) {
    return refuse("reload failed, keeping the running configuration");
  }
  // remote_write: what can fail of a new pusher (its client: TLS files, the URL) is checked
  // here; it replaces the running one only once the rest has succeeded.
  if (!CheckRemoteWrite(next.remote_write, error)) {
    return refuse("reload failed, keeping the running configuration");
  }
  // A source's own contract (its OpenAPI document, its status table) is in its sink, and the
  // files may have changed under the same names: a configuration with one always gets new sinks.
  const bool own_contracts =
      std::any_of(next.sources.begin(), next.sources.end(), [](const SourceOptions& s) {
        return !s.api.openapi.empty() || !s.status_codes_file.empty();
      });
  const bool same_tailing =
      !own_contracts && next.sources == pipeline_->options.sources &&
      next.tail.from_start == pipeline_->options.tail.from_start &&
      next.tail.positions_file == pipeline_->options.tail.positions_file &&
      next.tail.poll_interval == pipeline_->options.tail.poll_interval &&
      next.tail.read_batch_window == pipeline_->options.tail.read_batch_window &&
      next.tail.max_line_bytes == pipeline_->options.tail.max_line_bytes &&
      next_pipeline->recorder == pipeline_->recorder;
  if (same_tailing) {
    // Only the status-code table can differ: swap it, keep every counter and file position.
    pipeline_->table = next_pipeline->table;
    pipeline_->options.remote_write = next.remote_write;
    collector_->SetStatusTable(pipeline_->table);
    if (!ApplyRemoteWrite(next.remote_write, error)) {
      return refuse("reload: remote write could not start after its check");
    }
    reloads_.Record(true, WallSeconds());
    LogInfo("reloaded the configuration", {{"changed", "status-code table"}});
    return true;
  }
  // The listeners bound and the streams opened beside the running ones: an address both
  // configurations listen on keeps its socket (what is sent meanwhile waits in its queue).
  Inputs inputs;
  if (!PrepareInputs(*next_pipeline, &inputs_, &inputs, error)) {
    return refuse("reload failed, keeping the running configuration");
  }
  // Files go on where they were, with or without --positions.file: nothing is read twice or
  // skipped across a reload, nor across a reload undone.
  std::vector<PositionEntry> positions = StopTailing();
  if (!StartTailing(*next_pipeline, error, positions)) {
    std::string again;
    if (!StartTailing(*pipeline_, &again, std::move(positions))) {
      // Not seen in practice (the running configuration's tailer started before), but then
      // nothing follows the files: say so on /-/ready.
      ready_.store(false);
      LogError("reload: cannot follow the logs again with the running configuration",
               {{"err", again}});
    }
    return refuse("reload failed, keeping the running configuration");
  }
  if (next_pipeline->recorder != pipeline_->recorder) {
    responses_since_.store(WallSeconds());
  }
  std::unique_ptr<Pipeline> previous = SwitchInputs(std::move(inputs), std::move(next_pipeline));
  Publish(*pipeline_, collector_.get());
  ready_.store(true);
  if (!ApplyRemoteWrite(next.remote_write, error)) {
    return refuse("reload: remote write could not start after its check");
  }
  reloads_.Record(true, WallSeconds());
  LogInfo("reloaded the configuration", {{"changed", "sources, labels or tail settings"}});
  return true;
}

}  // namespace accesslog
