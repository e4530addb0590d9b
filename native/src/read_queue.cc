// Background reads for sequential scans (the mxrec_io addon).
//
// A scan of a .rec in the page cache spends most of its time in the kernel,
// copying file pages into the read buffer on whichever thread calls read().
// A ReadQueue moves those copies to threads of its own: the caller submits
// chunk reads ahead of where it parses and collects each one when it gets
// there, blocking (sync scans) or after a callback on the event loop says it
// is done (async scans). dmlc's ThreadedInputSplit does the same with one thread.
//
// Lifetime rules, since threads write into JavaScript memory:
// - each submitted buffer is held by a reference until its read is collected,
//   so V8 cannot free it while a thread writes into it;
// - the queue reads from its own dup() of the descriptor, so the caller
//   closing its file early cannot redirect a read to another file;
// - close() (or the garbage collector) stops the threads and joins them
//   before any reference is dropped;
// - in async mode only reads not yet announced keep the event loop and the
//   callback alive, as with fs.read: a scan dropped half-way is collected,
//   threads and all, rather than kept alive by its own callback.
#define NAPI_VERSION 8
#include <node_api.h>

#include "aligned_magic.h"
#include "batch_memory.h"
#include "writeback.h"
#include "malloc_tuning.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

struct Request {
  uint32_t id;
  uint8_t* dst;
  size_t length;
  int64_t position;
  napi_ref buffer;
  int64_t result = 0;  // bytes read, or -errno
  bool finished = false;
};

class ReadQueue;

// Async mode's link to JavaScript: a thread-safe function and the callback it
// calls. While reads are unannounced both are held, as fs.read holds its
// callback and the loop; after that, only weakly. Main thread only. Whichever goes first, the queue
// (close, collection) or the thread-safe function (environment teardown),
// detaches the other, and the thread-safe function frees this.
struct Announcer {
  napi_threadsafe_function tsfn = nullptr;
  napi_ref onRead = nullptr;
  uint32_t unannounced = 0;  // submitted reads whose announcement has not run yet
  ReadQueue* queue = nullptr;  // null once the queue released the thread-safe function
};

void CallJs(napi_env env, napi_value, void* context, void* data) {
  auto* a = static_cast<Announcer*>(context);
  if (!env) return;  // torn down with announcements still queued
  napi_value onRead = nullptr;
  napi_get_reference_value(env, a->onRead, &onRead);
  if (--a->unannounced == 0) {
    if (a->queue) napi_unref_threadsafe_function(env, a->tsfn);
    napi_reference_unref(env, a->onRead, nullptr);
  }
  if (!onRead) return;  // collected: nothing waits for this read
  napi_value undefined, id;
  napi_get_undefined(env, &undefined);
  napi_create_uint32(env, static_cast<uint32_t>(reinterpret_cast<uintptr_t>(data)), &id);
  napi_call_function(env, undefined, onRead, 1, &id, nullptr);
}

void FreeAnnouncer(napi_env env, void* data, void*);

class ReadQueue {
 public:
  ReadQueue(int fd, Announcer* announcer) : fd_(fd), announcer_(announcer) {}

  // Starts up to `threads` readers; returns how many could be started.
  size_t Start(int threads) {
    for (int i = 0; i < threads; i++) {
      try {
        threads_.emplace_back([this] { Run(); });
      } catch (const std::system_error&) {
        break;  // out of threads: make do with those running
      }
    }
    return threads_.size();
  }

  // Stops the threads; a read under way finishes first. Idempotent.
  void StopThreads() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    work_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  // Stops the threads, drops what was not collected and closes the descriptor. Main thread.
  void Stop(napi_env env) {
    if (closed_) return;
    closed_ = true;
    StopThreads();
    for (auto& entry : requests_) {
      napi_delete_reference(env, entry.second->buffer);
      delete entry.second;
    }
    requests_.clear();
    pending_.clear();
    if (announcer_) {
      announcer_->queue = nullptr;
      napi_release_threadsafe_function(announcer_->tsfn, napi_tsfn_abort);
      announcer_ = nullptr;  // the thread-safe function frees it
    }
    close(fd_);
  }

  // The thread-safe function is going away (environment teardown): no thread may call it after this.
  void DetachAnnouncer() {
    StopThreads();
    announcer_ = nullptr;
  }

  bool closed() const { return closed_; }

  uint32_t Submit(napi_env env, uint8_t* dst, size_t length, int64_t position, napi_ref buffer) {
    if (announcer_ && announcer_->unannounced++ == 0) {
      napi_ref_threadsafe_function(env, announcer_->tsfn);
      napi_reference_ref(env, announcer_->onRead, nullptr);
    }
    auto* req = new Request{nextId_++, dst, length, position, buffer};
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_[req->id] = req;
      pending_.push_back(req);
    }
    work_.notify_one();
    return req->id;
  }

  // Blocks until read `id` is done; returns and forgets it (null: no such read).
  Request* Collect(uint32_t id) {
    std::unique_lock<std::mutex> lock(mu_);
    auto it = requests_.find(id);
    if (it == requests_.end()) return nullptr;
    Request* req = it->second;
    done_.wait(lock, [req] { return req->finished; });
    requests_.erase(it);
    return req;
  }

 private:
  void Run() {
    // A woken reader must not preempt the thread that woke it (the caller,
    // parsing records): SCHED_BATCH threads get no wakeup preemption, and
    // otherwise the same share of the CPU. Any thread may choose it.
#ifdef SCHED_BATCH  // Linux
    sched_param param{};
    pthread_setschedparam(pthread_self(), SCHED_BATCH, &param);
#endif
    napi_threadsafe_function tsfn = announcer_ ? announcer_->tsfn : nullptr;  // set before the threads start
    for (;;) {
      Request* req;
      {
        std::unique_lock<std::mutex> lock(mu_);
        work_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
        if (stopping_) return;
        req = pending_.front();
        pending_.pop_front();
      }
      int64_t done = 0;
      while (static_cast<size_t>(done) < req->length) {
        ssize_t n = pread(fd_, req->dst + done, req->length - done, req->position + done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          done = -errno;
          break;
        }
        if (n == 0) break;  // end of file: fewer bytes than asked
        done += n;
      }
      const uint32_t id = req->id;
      {
        std::lock_guard<std::mutex> lock(mu_);
        req->result = done;
        req->finished = true;
      }
      done_.notify_all();
      // Stop() and DetachAnnouncer() join this thread before tsfn can go, so it is valid here.
      if (tsfn) napi_call_threadsafe_function(tsfn, reinterpret_cast<void*>(uintptr_t(id)), napi_tsfn_nonblocking);
    }
  }

  const int fd_;
  Announcer* announcer_;
  std::mutex mu_;
  std::condition_variable work_, done_;
  std::deque<Request*> pending_;
  std::unordered_map<uint32_t, Request*> requests_;  // submitted and not yet collected
  std::vector<std::thread> threads_;
  bool stopping_ = false;  // under mu_
  bool closed_ = false;    // main thread
  uint32_t nextId_ = 1;
};

void FreeAnnouncer(napi_env env, void* data, void*) {
  auto* a = static_cast<Announcer*>(data);
  if (a->queue) a->queue->DetachAnnouncer();
  if (a->onRead) napi_delete_reference(env, a->onRead);
  delete a;
}

napi_value throwError(napi_env env, const char* code, const std::string& message) {
  napi_throw_error(env, code, message.c_str());
  return nullptr;
}

ReadQueue* unwrap(napi_env env, napi_callback_info info, size_t* argc, napi_value* argv) {
  napi_value self;
  if (napi_get_cb_info(env, info, argc, argv, &self, nullptr) != napi_ok) return nullptr;
  ReadQueue* queue = nullptr;
  if (napi_unwrap(env, self, reinterpret_cast<void**>(&queue)) != napi_ok || !queue) {
    throwError(env, "BAD_ARGUMENT", "ReadQueue method called on something that is not a ReadQueue");
    return nullptr;
  }
  return queue;
}

void Finalize(napi_env env, void* data, void*) {
  auto* queue = static_cast<ReadQueue*>(data);
  queue->Stop(env);
  delete queue;
}

// new ReadQueue(fd, threads[, onRead]). With onRead, onRead(id) runs on the
// event loop when read `id` is done (then collect(id) does not block).
napi_value New(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], self;
  napi_get_cb_info(env, info, &argc, argv, &self, nullptr);
  int32_t fd = -1, threads = 0;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0 ||
      napi_get_value_int32(env, argv[1], &threads) != napi_ok || threads < 1 || threads > 64)
    return throwError(env, "BAD_ARGUMENT", "new ReadQueue(fd, threads[, onRead]): expected a file descriptor and 1..64 threads");
  napi_valuetype type = napi_undefined;
  if (argc > 2) napi_typeof(env, argv[2], &type);
  if (type != napi_undefined && type != napi_function)
    return throwError(env, "BAD_ARGUMENT", "new ReadQueue: onRead must be a function");
  const int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (own < 0) return throwError(env, "EBADF", "ReadQueue: cannot duplicate file descriptor " + std::to_string(fd));
  Announcer* announcer = nullptr;
  if (type == napi_function) {  // before the threads start, which read it
    announcer = new Announcer();
    napi_create_reference(env, argv[2], 0, &announcer->onRead);
    napi_value name;
    napi_create_string_utf8(env, "mxrec.ReadQueue", NAPI_AUTO_LENGTH, &name);
    napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, announcer, FreeAnnouncer, announcer, CallJs,
                                    &announcer->tsfn);
    napi_unref_threadsafe_function(env, announcer->tsfn);  // referenced while reads are unannounced
  }
  auto* queue = new ReadQueue(own, announcer);
  if (announcer) announcer->queue = queue;
  if (queue->Start(threads) == 0) {
    queue->Stop(env);
    delete queue;
    return throwError(env, "EAGAIN", "ReadQueue: cannot start a thread");
  }
  napi_wrap(env, self, queue, Finalize, nullptr, nullptr);
  return self;
}

// submit(buffer, offset, length, position) -> id
napi_value Submit(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  ReadQueue* queue = unwrap(env, info, &argc, argv);
  if (!queue) return nullptr;
  if (queue->closed()) return throwError(env, "CLOSED", "ReadQueue.submit after close");
  void* data = nullptr;
  size_t byteLength = 0;
  bool isTyped = false;
  napi_is_typedarray(env, argv[0], &isTyped);
  napi_typedarray_type t;
  napi_value arraybuffer;
  size_t byteOffset = 0;
  if (!isTyped || napi_get_typedarray_info(env, argv[0], &t, &byteLength, &data, &arraybuffer, &byteOffset) != napi_ok ||
      t != napi_uint8_array)
    return throwError(env, "BAD_ARGUMENT", "ReadQueue.submit: expected a Buffer or Uint8Array");
  double offset, length, position;
  if (napi_get_value_double(env, argv[1], &offset) != napi_ok || napi_get_value_double(env, argv[2], &length) != napi_ok ||
      napi_get_value_double(env, argv[3], &position) != napi_ok || !(offset >= 0) || !(length >= 0) || !(position >= 0) ||
      offset + length > double(byteLength) || position > 9007199254740991.0)
    return throwError(env, "BAD_ARGUMENT", "ReadQueue.submit: offset + length must lie inside the buffer, position >= 0");
  napi_ref ref;
  napi_create_reference(env, argv[0], 1, &ref);
  napi_value id;
  napi_create_uint32(env, queue->Submit(env, static_cast<uint8_t*>(data) + size_t(offset), size_t(length), int64_t(position), ref),
                     &id);
  return id;
}

// collect(id) -> bytes read, or -errno. Blocks until that read is done.
napi_value Collect(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  ReadQueue* queue = unwrap(env, info, &argc, argv);
  if (!queue) return nullptr;
  uint32_t id = 0;
  if (argc < 1 || napi_get_value_uint32(env, argv[0], &id) != napi_ok)
    return throwError(env, "BAD_ARGUMENT", "ReadQueue.collect(id): expected the number submit() returned");
  Request* req = queue->Collect(id);
  if (!req) return throwError(env, "BAD_ARGUMENT", "ReadQueue.collect: no read " + std::to_string(id) + " in flight");
  napi_delete_reference(env, req->buffer);
  napi_value result;
  napi_create_int64(env, req->result, &result);
  delete req;
  return result;
}

// close(): stops the threads; reads not collected are abandoned.
napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  ReadQueue* queue = unwrap(env, info, &argc, nullptr);
  if (queue) queue->Stop(env);
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"submit", nullptr, Submit, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"collect", nullptr, Collect, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"close", nullptr, Close, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_value cls;
  napi_define_class(env, "ReadQueue", NAPI_AUTO_LENGTH, New, nullptr, 3, methods, &cls);
  napi_set_named_property(env, exports, "ReadQueue", cls);
  RegisterAlignedMagic(env, exports);
  RegisterBatchMemory(env, exports);
  RegisterWriteback(env, exports);
  RegisterMallocTuning(env, exports);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
