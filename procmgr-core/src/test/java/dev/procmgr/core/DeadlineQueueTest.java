package dev.procmgr.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class DeadlineQueueTest {
    private final FakeScheduler clock = new FakeScheduler();
    private final AtomicInteger wakeUpsAsked = new AtomicInteger();
    /** The fake clock, counting what the queue asks of it. */
    private final Scheduler counting = new Scheduler() {
        @Override
        public long nanoTime() {
            return clock.nanoTime();
        }

        @Override
        public Instant now() {
            return clock.now();
        }

        @Override
        public Cancellable schedule(Runnable task, Duration delay) {
            wakeUpsAsked.incrementAndGet();
            return clock.schedule(task, delay);
        }
    };
    private final DeadlineQueue queue = new DeadlineQueue(counting);
    private final List<String> ran = new CopyOnWriteArrayList<>();

    private Scheduler.Cancellable add(String name, long millis) {
        return queue.schedule(() -> ran.add(name), Duration.ofMillis(millis));
    }

    @Test
    void aTaskRunsAtItsDeadlineAndNotBefore() {
        add("a", 1000);
        clock.advance(Duration.ofMillis(999));
        assertThat(ran).isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(ran).containsExactly("a");
        assertThat(queue.size()).isZero();
        assertThat(clock.pending()).isZero();
    }

    @Test
    void laterTasksDoNotTouchTheSchedulerAndRunInDeadlineOrder() {
        add("a", 1000);
        clock.advance(Duration.ofMillis(10));
        add("b", 1000);
        add("c", 1500);
        add("b2", 1000); // same deadline as b: in the order added
        assertThat(wakeUpsAsked).hasValue(1);
        assertThat(clock.pending()).isEqualTo(1);
        clock.advance(Duration.ofMillis(990));
        assertThat(ran).containsExactly("a");
        clock.advance(Duration.ofMillis(10));
        assertThat(ran).containsExactly("a", "b", "b2");
        clock.advance(Duration.ofMillis(500));
        assertThat(ran).containsExactly("a", "b", "b2", "c");
        assertThat(clock.pending()).isZero();
    }

    @Test
    void anEarlierTaskReplacesTheWakeUp() {
        add("late", 5000);
        add("early", 100);
        assertThat(wakeUpsAsked).hasValue(2);
        assertThat(clock.pending()).isEqualTo(1); // the first wake-up was cancelled
        clock.advance(Duration.ofMillis(100));
        assertThat(ran).containsExactly("early");
        clock.advance(Duration.ofMillis(4900));
        assertThat(ran).containsExactly("early", "late");
    }

    @Test
    void aCancelledTaskNeverRunsAndItsWakeUpAsksForNoOther() {
        Scheduler.Cancellable a = add("a", 1000);
        a.cancel();
        assertThat(queue.size()).isZero();
        clock.advance(Duration.ofSeconds(10));
        assertThat(ran).isEmpty();
        assertThat(wakeUpsAsked).hasValue(1);
        assertThat(clock.pending()).isZero();
        a.cancel(); // again: nothing
    }

    @Test
    void shortRunsOneAfterAnotherShareOneWakeUpPerDeadlineSpan() {
        // the launch pattern: enqueue, cancel at the exit, next launch 2 ms later
        for (int i = 0; i < 1000; i++) {
            add("run" + i, 1000).cancel();
            clock.advance(Duration.ofMillis(2));
        }
        assertThat(ran).isEmpty();
        // the first wake-up (due at 1 s) found nothing and asked for none; the launch after it asked anew
        assertThat(wakeUpsAsked).hasValue(2);
        add("last", 1000);
        clock.advance(Duration.ofSeconds(1));
        assertThat(ran).containsExactly("last");
    }

    @Test
    void aWakeUpThatFindsTheEarliestTaskCancelledWaitsForTheNext() {
        Scheduler.Cancellable a = add("a", 100);
        add("b", 300);
        a.cancel();
        clock.advance(Duration.ofMillis(100));
        assertThat(ran).isEmpty();
        assertThat(clock.pending()).isEqualTo(1); // now waiting for b
        clock.advance(Duration.ofMillis(200));
        assertThat(ran).containsExactly("b");
    }

    @Test
    void aTaskMayScheduleAnother() {
        queue.schedule(() -> {
            ran.add("first");
            add("second", 50);
        }, Duration.ofMillis(100));
        clock.advance(Duration.ofMillis(100));
        assertThat(ran).containsExactly("first");
        clock.advance(Duration.ofMillis(50));
        assertThat(ran).containsExactly("first", "second");
    }

    @Test
    void aTaskThatThrowsDoesNotKeepTheOthersFromRunning() {
        queue.schedule(() -> {
            throw new IllegalStateException("task bug");
        }, Duration.ofMillis(100));
        add("after", 100);
        clock.advance(Duration.ofMillis(100));
        assertThat(ran).containsExactly("after");
    }

    @Test
    void aZeroDelayRunsAtTheNextTurnOfTheClock() {
        add("now", 0);
        assertThat(ran).isEmpty();
        clock.runDue();
        assertThat(ran).containsExactly("now");
    }

    @Test
    void aDelayOfCenturiesDoesNotWrapAround() {
        add("never", Long.MAX_VALUE);
        queue.schedule(() -> ran.add("never either"), Duration.ofSeconds(Long.MAX_VALUE));
        add("soon", 10);
        clock.advance(Duration.ofDays(365));
        assertThat(ran).containsExactly("soon");
    }

    @Test
    void aSchedulerThatRunsTasksInlineIsNotRecursedInto() {
        // the real scheduler runs a task inline once closed; the queue must neither recurse nor
        // run tasks early there
        Scheduler inline = new Scheduler() {
            @Override
            public long nanoTime() {
                return 0;
            }

            @Override
            public Instant now() {
                return Instant.EPOCH;
            }

            @Override
            public Cancellable schedule(Runnable task, Duration delay) {
                task.run();
                return () -> { };
            }
        };
        DeadlineQueue q = new DeadlineQueue(inline);
        q.schedule(() -> ran.add("a"), Duration.ofMillis(100));
        q.schedule(() -> ran.add("b"), Duration.ofMillis(50));
        assertThat(ran).isEmpty();
    }

    @Test
    void concurrentSchedulesAndCancelsRunEachLiveTaskOnce() throws InterruptedException {
        int threads = 4;
        int perThread = 2000;
        AtomicIntegerArray runs = new AtomicIntegerArray(threads * perThread);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int base = t * perThread;
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    int id = base + i;
                    Scheduler.Cancellable c = queue.schedule(() -> runs.incrementAndGet(id), Duration.ofMillis(id * 7L % 500));
                    if (id % 3 == 0) {
                        c.cancel(); // may have run already: the clock moves meanwhile
                    }
                }
            });
            ts.add(th);
            th.start();
        }
        go.countDown();
        while (ts.stream().anyMatch(Thread::isAlive)) {
            clock.advance(Duration.ofMillis(1)); // wake-ups fire while others schedule and cancel
        }
        for (Thread th : ts) {
            th.join();
        }
        clock.advance(Duration.ofSeconds(1));
        for (int id = 0; id < runs.length(); id++) {
            if (id % 3 == 0) {
                assertThat(runs.get(id)).as("cancelled task %d", id).isBetween(0, 1);
            } else {
                assertThat(runs.get(id)).as("task %d", id).isEqualTo(1);
            }
        }
        assertThat(queue.size()).isZero();
        assertThat(clock.pending()).isZero();
    }
}
