#include "wirestate/buffer_pool.hpp"

#include <new>

namespace wirestate {
namespace {

char* allocate(std::size_t bytes) noexcept { return static_cast<char*>(::operator new(bytes)); }
void deallocate(char* p) noexcept { ::operator delete(p); }

}  // namespace

BufferPool& default_buffers() noexcept {
  thread_local FreeListPool pool;
  return pool;
}

FreeListPool::~FreeListPool() {
  for (List& l : lists_)
    for (char* p : l.free) deallocate(p);
}

FreeListPool::List& FreeListPool::list_for(std::size_t bytes) noexcept {
  for (List& l : lists_)
    if (l.bytes == bytes) return l;
  lists_.push_back({bytes, {}});
  return lists_.back();
}

char* FreeListPool::acquire(std::size_t bytes) noexcept {
  List& l = list_for(bytes);
  if (l.free.empty()) return allocate(bytes);
  char* p = l.free.back();
  l.free.pop_back();
  free_bytes_ -= bytes;
  return p;
}

void FreeListPool::release(char* buffer, std::size_t bytes) noexcept {
  if (free_bytes_ + bytes > max_free_bytes_) return deallocate(buffer);
  list_for(bytes).free.push_back(buffer);
  free_bytes_ += bytes;
}

}  // namespace wirestate
