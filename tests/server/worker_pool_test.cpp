// The worker pool: jobs run on its threads, a full queue refuses instead of buffering, and destruction runs
// every queued job before joining.
#include "server/worker_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "tests/fixtures/wait.hpp"

namespace eks::server {
namespace {

using namespace std::chrono_literals;

// A gate jobs wait at until the test opens it, so the pool's threads can be held busy deterministically.
class Gate {
 public:
  void wait() {
    std::unique_lock lock(mutex_);
    opened_.wait(lock, [this] { return open_; });
  }
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    opened_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable opened_;
  bool open_ = false;
};

TEST(WorkerPool, RunsJobsOnItsOwnThreads) {
  std::mutex mutex;
  std::set<std::thread::id> ids;
  std::atomic<int> done{0};
  {
    WorkerPool pool(2, 64);
    EXPECT_EQ(pool.threads(), 2u);
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(pool.try_submit([&] {
        std::lock_guard lock(mutex);
        ids.insert(std::this_thread::get_id());
        ++done;
      }));
    }
  }
  EXPECT_EQ(done.load(), 20);
  EXPECT_FALSE(ids.contains(std::this_thread::get_id()));
  EXPECT_LE(ids.size(), 2u);
}

TEST(WorkerPool, ZeroThreadsMeansOne) {
  std::atomic<bool> ran{false};
  {
    WorkerPool pool(0, 4);
    EXPECT_EQ(pool.threads(), 1u);
    ASSERT_TRUE(pool.try_submit([&] { ran = true; }));
  }
  EXPECT_TRUE(ran.load());
}

TEST(WorkerPool, AFullQueueRefusesAndAcceptsAgainOnceDrained) {
  Gate gate;
  std::atomic<int> started{0};
  std::atomic<int> done{0};
  WorkerPool pool(1, 2);
  ASSERT_TRUE(pool.try_submit([&] {
    ++started;
    gate.wait();
    ++done;
  }));
  ASSERT_TRUE(eks::testing::eventually([&] { return started.load() == 1; }, 3000ms));
  // The only thread is busy: two jobs fill the queue, the third is refused.
  EXPECT_TRUE(pool.try_submit([&] { ++done; }));
  EXPECT_TRUE(pool.try_submit([&] { ++done; }));
  EXPECT_FALSE(pool.try_submit([&] { ++done; }));
  gate.open();
  ASSERT_TRUE(eks::testing::eventually([&] { return done.load() == 3; }, 3000ms));
  EXPECT_TRUE(pool.try_submit([&] { ++done; }));
}

TEST(WorkerPool, DestructionFinishesQueuedJobs) {
  Gate gate;
  std::atomic<int> done{0};
  {
    WorkerPool pool(1, 16);
    ASSERT_TRUE(pool.try_submit([&] {
      gate.wait();
      ++done;
    }));
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(pool.try_submit([&] { ++done; }));
    gate.open();
  }
  EXPECT_EQ(done.load(), 6);
}

}  // namespace
}  // namespace eks::server
