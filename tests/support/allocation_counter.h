// Counts every operator new of a test binary, to prove that a per-line path allocates nothing
// once warm:
//
//   const size_t before = testing::Allocations();
//   ... the per-line path, many times ...
//   EXPECT_EQ(testing::Allocations() - before, 0u);
//
// allocation_counter.cc replaces the global operator new and delete, every variant (plain,
// array, nothrow, aligned, sized), with ones that count and call malloc/free. It is a library of
// its own (accesslog_test_allocations) that only the binaries of such tests link, so the other
// test binaries keep the standard allocator (and, under ASan, its new/delete pairing checks). The
// count is a relaxed atomic add: threads of the binary allocating at the same time count too, so
// measure on one thread with none running.
#pragma once

#include <cstddef>

namespace accesslog::testing {

// Allocations made with operator new by this binary so far.
size_t Allocations();

}  // namespace accesslog::testing
