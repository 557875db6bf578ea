// C11 threads (<threads.h>) routed through pthreads, linked into the executables of a
// ThreadSanitizer build only (TIDEMARK_SANITIZERS=thread; see the root CMakeLists.txt).
//
// Why: Debian's librdkafka creates its threads with thrd_create and locks with mtx_* / cnd_*.
// glibc implements those by calling its pthread internals directly, past the pthread_* symbols
// that ThreadSanitizer intercepts (GCC 12's and clang 14's runtimes have no thrd_* interceptors).
// TSan then never learns of librdkafka's threads, and the first allocation on one of them
// crashes inside the TSan runtime (a thread state it never set up); its locks, invisible, would
// also hide every happens-before edge that librdkafka's queues give tidemark's callbacks.
// Defining the C11 functions here, in the executable, interposes them for librdkafka.so (an
// executable's definition satisfies the library's versioned reference, thrd_create@GLIBC_2.34),
// and each forwards to the pthread function TSan intercepts. glibc's mtx_t, cnd_t, thrd_t and
// once_flag are its pthread types under other names, which is how glibc itself implements them.
#include <pthread.h>
#include <threads.h>

#include <cerrno>
#include <cstdint>
#include <new>

namespace {

struct Start {
  thrd_start_t function;
  void* argument;
};

void* run(void* raw) {
  const Start start = *static_cast<Start*>(raw);
  delete static_cast<Start*>(raw);
  return reinterpret_cast<void*>(static_cast<std::intptr_t>(start.function(start.argument)));
}

int result_of(int pthread_error) {
  if (pthread_error == 0) return thrd_success;
  if (pthread_error == ETIMEDOUT) return thrd_timedout;
  if (pthread_error == EBUSY) return thrd_busy;
  if (pthread_error == ENOMEM || pthread_error == EAGAIN) return thrd_nomem;
  return thrd_error;
}

pthread_mutex_t* as_pthread(mtx_t* mutex) { return reinterpret_cast<pthread_mutex_t*>(mutex); }
pthread_cond_t* as_pthread(cnd_t* cond) { return reinterpret_cast<pthread_cond_t*>(cond); }

static_assert(sizeof(mtx_t) == sizeof(pthread_mutex_t));
static_assert(sizeof(cnd_t) == sizeof(pthread_cond_t));
static_assert(sizeof(thrd_t) == sizeof(pthread_t));
static_assert(sizeof(once_flag) == sizeof(pthread_once_t));

}  // namespace

extern "C" {

int thrd_create(thrd_t* thread, thrd_start_t function, void* argument) {
  auto* start = new (std::nothrow) Start{function, argument};
  if (start == nullptr) return thrd_nomem;
  const int error = pthread_create(thread, nullptr, run, start);
  if (error != 0) delete start;
  return result_of(error);
}

int thrd_join(thrd_t thread, int* result) {
  void* value = nullptr;
  const int error = pthread_join(thread, &value);
  if (error == 0 && result != nullptr) {
    *result = static_cast<int>(reinterpret_cast<std::intptr_t>(value));
  }
  return result_of(error);
}

int thrd_detach(thrd_t thread) { return result_of(pthread_detach(thread)); }

int mtx_init(mtx_t* mutex, int type) {
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  if ((type & mtx_recursive) != 0) {
    pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_RECURSIVE);
  }
  const int error = pthread_mutex_init(as_pthread(mutex), &attributes);
  pthread_mutexattr_destroy(&attributes);
  return result_of(error);
}

int mtx_lock(mtx_t* mutex) { return result_of(pthread_mutex_lock(as_pthread(mutex))); }
int mtx_trylock(mtx_t* mutex) { return result_of(pthread_mutex_trylock(as_pthread(mutex))); }
int mtx_timedlock(mtx_t* __restrict mutex, const struct timespec* __restrict until) {
  return result_of(pthread_mutex_timedlock(as_pthread(mutex), until));
}
int mtx_unlock(mtx_t* mutex) { return result_of(pthread_mutex_unlock(as_pthread(mutex))); }
void mtx_destroy(mtx_t* mutex) { pthread_mutex_destroy(as_pthread(mutex)); }

int cnd_init(cnd_t* cond) { return result_of(pthread_cond_init(as_pthread(cond), nullptr)); }
int cnd_signal(cnd_t* cond) { return result_of(pthread_cond_signal(as_pthread(cond))); }
int cnd_broadcast(cnd_t* cond) { return result_of(pthread_cond_broadcast(as_pthread(cond))); }
int cnd_wait(cnd_t* cond, mtx_t* mutex) {
  return result_of(pthread_cond_wait(as_pthread(cond), as_pthread(mutex)));
}
int cnd_timedwait(cnd_t* __restrict cond, mtx_t* __restrict mutex,
                  const struct timespec* __restrict until) {
  return result_of(pthread_cond_timedwait(as_pthread(cond), as_pthread(mutex), until));
}
void cnd_destroy(cnd_t* cond) { pthread_cond_destroy(as_pthread(cond)); }

void call_once(once_flag* flag, void (*function)(void)) {
  pthread_once(reinterpret_cast<pthread_once_t*>(flag), function);
}

}  // extern "C"
