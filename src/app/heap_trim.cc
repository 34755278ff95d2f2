#include "app/heap_trim.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace accesslog {

void HeapTrimmer::Trim() {
#ifdef __GLIBC__
  malloc_trim(0);
  // The free bytes stay free after a trim (their pages are released, the chunks kept), so the
  // mark is what is free now: only what is freed after this counts towards the next trim.
  mark_ = mallinfo2().fordblks;
#endif
}

bool HeapTrimmer::Tick(std::chrono::steady_clock::time_point now) {
#ifdef __GLIBC__
  if (now - last_check_ < std::chrono::seconds(1)) return false;
  last_check_ = now;
  const size_t free_bytes = mallinfo2().fordblks;
  if (free_bytes < mark_) mark_ = free_bytes;  // reused since: those pages are resident again
  if (free_bytes - mark_ < kTrimAfterFreedBytes) return false;
  Trim();
  return true;
#else
  (void)now;
  return false;
#endif
}

}  // namespace accesslog
