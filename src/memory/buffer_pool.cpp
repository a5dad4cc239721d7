#include "wirestate/buffer_pool.hpp"

#include <cstring>
#include <new>

namespace wirestate {
namespace {

// Room for the link a free buffer holds.
char* allocate(std::size_t bytes) noexcept {
  return static_cast<char*>(::operator new(bytes < sizeof(char*) ? sizeof(char*) : bytes));
}
void deallocate(char* p) noexcept { ::operator delete(p); }

char* next_of(char* p) noexcept {
  char* next;
  std::memcpy(&next, p, sizeof next);
  return next;
}

}  // namespace

BufferPool& default_buffers() noexcept {
  thread_local FreeListPool pool;
  return pool;
}

FreeListPool::~FreeListPool() {
  for (List& l : lists_) {
    while (char* p = l.first) {
      l.first = next_of(p);
      deallocate(p);
    }
  }
}

FreeListPool::List& FreeListPool::list_for(std::size_t bytes) noexcept {
  for (List& l : lists_)
    if (l.bytes == bytes) return l;
  lists_.push_back({bytes, nullptr});
  return lists_.back();
}

char* FreeListPool::acquire(std::size_t bytes) noexcept {
  for (List& l : lists_) {
    if (l.bytes != bytes) continue;
    char* p = l.first;
    if (!p) break;
    l.first = next_of(p);
    free_bytes_ -= bytes;
    return p;
  }
  return acquire_new(bytes);
}

[[gnu::noinline]] char* FreeListPool::acquire_new(std::size_t bytes) noexcept {
  list_for(bytes);  // known from now on, so that its release is the fast one
  return allocate(bytes);
}

void FreeListPool::release(char* buffer, std::size_t bytes) noexcept {
  if (free_bytes_ + bytes <= max_free_bytes_) {
    for (List& l : lists_) {
      if (l.bytes != bytes) continue;
      std::memcpy(buffer, &l.first, sizeof l.first);
      l.first = buffer;
      free_bytes_ += bytes;
      return;
    }
  }
  release_slow(buffer, bytes);
}

[[gnu::noinline]] void FreeListPool::release_slow(char* buffer, std::size_t bytes) noexcept {
  if (free_bytes_ + bytes > max_free_bytes_) return deallocate(buffer);
  list_for(bytes);  // a size first seen here: known now, so release links it
  release(buffer, bytes);
}

}  // namespace wirestate
